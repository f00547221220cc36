// The FTS5 table and triggers come from migrations (db/migrations/0004_fts5.sql,
// 0006_fts5_tex_markup.sql): a database no fts5 engine has opened imports
// without indexing, the engine's first open fills the index and switches the
// triggers on, and a database whose tables older code created at run time
// keeps indexing on, its table made anew (TeX markup dropped) and filled
// at the engine's first open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from '../../db/schema.ts';
import { openDb, type Db } from '../../db/client.ts';
import { countPapers, ingestBatch } from '../../db/queries.ts';
import type { Paper } from '../../db/paper.ts';
import { importFile } from '../../scripts/import.ts';
import { FTS5_TOKENIZER, Fts5Engine } from '../../search/fts5.ts';
import { unicode61Length } from '../../search/tokenize.ts';
import { ROOT, corpusLines, tempDir } from '../helpers.ts';

const indexing = (db: Db) => db.sqlite.prepare('SELECT indexing FROM fts5_state').pluck().get() as number;
const indexed = (db: Db) => db.sqlite.prepare('SELECT count(*) FROM papers_fts_docsize').pluck().get() as number;
const triggers = (db: Db) =>
  db.sqlite.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'papers_fts_%' ORDER BY name").all() as { name: string; sql: string }[];

const fresh: Paper = {
  id: '2611.99102', version: 1, title: 'Quorblesnatch dynamics', abstract: 'Quorblesnatch appears in cold atoms.',
  authors: ['New Author'], categories: ['cond-mat.quant-gas'], published: '2026-11-21', updated: null, comments: null, journalRef: null, doi: null, license: null,
};

async function sliceFile(dir: string, n: number): Promise<{ file: string; firstId: string; firstTitle: string }> {
  const lines = await corpusLines(n);
  const file = join(dir, 'slice.jsonl');
  writeFileSync(file, lines.join('\n') + '\n');
  const first = JSON.parse(lines[0]) as { id: string; title: string };
  return { file, firstId: first.id, firstTitle: first.title };
}

/** A search for the paper's own title words finds it first. */
function findsByTitle(e: Fts5Engine, id: string, title: string): void {
  const q = title.toLowerCase().split(/[^a-z]+/).filter((w) => w.length > 3).slice(0, 4).join(' ');
  assert.ok(e.search(q, { limit: 50 }).hits.some((h) => h.id === id), `${q} finds ${id}`);
}

test('fts5 migration: an import before any fts5 engine indexes nothing; the first open fills the index and switches the triggers on', async () => {
  const dir = tempDir('fts5-migration-');
  try {
    const { file, firstId, firstTitle } = await sliceFile(dir.path, 300);
    const db = openDb(join(dir.path, 'papers.db'));
    assert.deepEqual(triggers(db).map((t) => t.name), ['papers_fts_ad', 'papers_fts_ai', 'papers_fts_au']);
    const table = db.sqlite.prepare("SELECT sql FROM sqlite_master WHERE name = 'papers_fts'").pluck().get() as string;
    assert.ok(table.includes(`tokenize='${FTS5_TOKENIZER}'`), `the engine's tokenizer is the migration's: ${table}`);
    await importFile(db, file, {});
    assert.equal(countPapers(db), 300);
    assert.equal(indexing(db), 0);
    assert.equal(indexed(db), 0, 'the triggers did nothing while no engine used the index');
    const logs: string[] = [];
    const e = Fts5Engine.open(db, { shards: 1, log: (l) => logs.push(l) });
    assert.equal(indexing(db), 1);
    assert.equal(indexed(db), 300);
    assert.ok(logs.some((l) => /built the FTS5 index of 300 papers/.test(l)), logs.join('\n'));
    findsByTitle(e, firstId, firstTitle);
    ingestBatch(db, { papers: [fresh] });
    assert.equal(indexed(db), 301, 'a write after the first open goes through the triggers');
    assert.equal(e.search('quorblesnatch').hits[0]?.id, fresh.id);
    e.close();
    // A second open finds the index current and rebuilds nothing.
    logs.length = 0;
    Fts5Engine.open(db, { shards: 1, log: (l) => logs.push(l) }).close();
    assert.ok(!logs.some((l) => /built the FTS5 index/.test(l)), logs.join('\n'));
    db.sqlite.close();
  } finally {
    dir.cleanup();
  }
});

test('fts5 migration: a database whose FTS5 tables older code made at run time keeps indexing on; its table, made anew, is filled at the first open and kept by the migrations\' triggers', async () => {
  const dir = tempDir('fts5-migration-old-');
  try {
    const { file, firstId, firstTitle } = await sliceFile(dir.path, 200);
    // The migrations before 0004, as an older program applied them.
    const older = join(dir.path, 'migrations');
    cpSync(join(ROOT, 'db', 'migrations'), older, { recursive: true });
    rmSync(join(older, '0004_fts5.sql'));
    const journalFile = join(older, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { idx: number }[] };
    journal.entries = journal.entries.filter((e) => e.idx < 4);
    writeFileSync(journalFile, JSON.stringify(journal));
    const path = join(dir.path, 'papers.db');
    const sqlite = new Database(path);
    sqlite.pragma('journal_mode = WAL');
    const orm = drizzle(sqlite, { schema });
    migrate(orm, { migrationsFolder: older });
    // What search/fts5.ts created at run time before the migration existed.
    sqlite.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS papers_fts USING fts5(title, abstract, authors,
      content='papers', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2');
    CREATE VIRTUAL TABLE IF NOT EXISTS papers_fts_vocab USING fts5vocab(papers_fts, 'row');
    CREATE TRIGGER IF NOT EXISTS papers_fts_ai AFTER INSERT ON papers BEGIN
      INSERT INTO papers_fts(rowid, title, abstract, authors) VALUES (new.rowid, new.title, new.abstract, new.authors);
    END;
    CREATE TRIGGER IF NOT EXISTS papers_fts_ad AFTER DELETE ON papers BEGIN
      INSERT INTO papers_fts(papers_fts, rowid, title, abstract, authors) VALUES ('delete', old.rowid, old.title, old.abstract, old.authors);
    END;
    CREATE TRIGGER IF NOT EXISTS papers_fts_au AFTER UPDATE OF title, abstract, authors ON papers BEGIN
      INSERT INTO papers_fts(papers_fts, rowid, title, abstract, authors) VALUES ('delete', old.rowid, old.title, old.abstract, old.authors);
      INSERT INTO papers_fts(rowid, title, abstract, authors) VALUES (new.rowid, new.title, new.abstract, new.authors);
    END;`);
    const old: Db = { sqlite, orm, path };
    await importFile(old, file, {});
    assert.equal(indexed(old), 200, 'the old triggers indexed the import');
    sqlite.close();

    const db = openDb(path);
    assert.equal(indexing(db), 1, 'an index older code kept stays switched on');
    assert.equal(indexed(db), 0, 'the table is made anew, to hold the text with TeX markup dropped');
    const now = triggers(db);
    assert.equal(now.length, 3);
    for (const t of now) assert.match(t.sql, /WHEN \(SELECT indexing FROM fts5_state\)/, t.name);
    for (const t of now) assert.match(t.sql, /tex_plain\(/, t.name);
    const logs: string[] = [];
    const e = Fts5Engine.open(db, { shards: 1, log: (l) => logs.push(l) });
    assert.ok(logs.some((l) => /built the FTS5 index of 200 papers/.test(l)), logs.join('\n'));
    assert.equal(indexed(db), 200);
    findsByTitle(e, firstId, firstTitle);
    ingestBatch(db, { papers: [fresh] });
    assert.equal(e.search('quorblesnatch').hits[0]?.id, fresh.id);
    e.close();
    db.sqlite.close();
  } finally {
    dir.cleanup();
  }
});

test('fts5: text with TeX accents and commands written, changed and deleted through the triggers leaves the index as a rebuild makes it', () => {
  const dir = tempDir('fts5-tex-');
  try {
    const db = openDb(join(dir.path, 'papers.db'));
    const e = Fts5Engine.open(db, { shards: 1 });
    const tex: Paper = { ...fresh, id: '2611.99103', title: String.raw`K\"ahler flows`, abstract: String.raw`Schr\"{o}dinger maps into K\"{a}hler manifolds, after \v{C}ech, 1.5$\times$ faster.` };
    ingestBatch(db, { papers: [fresh, tex] });
    assert.deepEqual(e.search('kahler').hits.map((h) => h.id), [tex.id]);
    assert.deepEqual(e.search('cech schrodinger').hits.map((h) => h.id), [tex.id]);
    assert.deepEqual(e.search('times').hits.map((h) => h.id), [], 'a TeX command is no word');
    // The update deletes the old words by folding the old text again: a different fold would corrupt the index.
    db.sqlite.prepare('UPDATE papers SET title = ? WHERE id = ?').run(String.raw`Erd\H{o}s graphs`, tex.id);
    assert.deepEqual(e.search('kahler').hits.map((h) => h.id), [tex.id], 'still in the abstract');
    assert.deepEqual(e.search('ti:erdos').hits.map((h) => h.id), [tex.id]);
    assert.deepEqual(e.search('ti:kahler').hits.map((h) => h.id), []);
    // integrity-check compares the index with its content (the folded view) and throws on any difference.
    db.sqlite.exec("INSERT INTO papers_fts(papers_fts, rank) VALUES ('integrity-check', 1)");
    db.sqlite.prepare('DELETE FROM papers WHERE id = ?').run(tex.id);
    assert.deepEqual(e.search('erdos').hits.map((h) => h.id), []);
    db.sqlite.exec("INSERT INTO papers_fts(papers_fts, rank) VALUES ('integrity-check', 1)");
    e.close();
    db.sqlite.close();
  } finally {
    dir.cleanup();
  }
});

test('fts5: a paper\'s length in the index is unicode61Length of its text, TeX and all, as minisearch measures it', async () => {
  const dir = tempDir('fts5-length-');
  try {
    const { file } = await sliceFile(dir.path, 400);
    const db = openDb(join(dir.path, 'papers.db'));
    await importFile(db, file, {});
    Fts5Engine.open(db, { shards: 1 }).close();
    const rows = db.sqlite
      .prepare('SELECT p.title, p.abstract, p.authors, d.sz FROM papers p JOIN papers_fts_docsize d ON d.id = p.rowid')
      .all() as { title: string; abstract: string; authors: string; sz: Buffer }[];
    assert.equal(rows.length, 400);
    let tex = 0;
    for (const r of rows) {
      // FTS5 stores a row's column sizes as varints.
      const sizes: number[] = [];
      for (let i = 0, v = 0; i < r.sz.length; i++) {
        v = v * 128 + (r.sz[i] & 0x7f);
        if (!(r.sz[i] & 0x80)) sizes.push(v), (v = 0);
      }
      assert.deepEqual(sizes, [unicode61Length(r.title), unicode61Length(r.abstract), unicode61Length(r.authors)], r.title);
      if (/\\[a-zA-Z]/.test(r.title + r.abstract)) tex++;
    }
    assert.ok(tex > 20, `the slice has papers with TeX commands (${tex})`);
    db.sqlite.close();
  } finally {
    dir.cleanup();
  }
});
