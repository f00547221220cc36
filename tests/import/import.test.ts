import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { openDb, type Db } from '../../db/client.ts';
import { importFile } from '../../scripts/import.ts';
import { countPapers, getCrawlState, getPaper, maxSeq } from '../../db/queries.ts';
import { CORPUS, ROOT, committedPapers, corpusLines, manyCorpusLines, runImporter, tempDir } from '../helpers.ts';

/** Everything a paper is, except when we saw it: equal databases have equal digests. */
function digest(db: Db): string[] {
  return (
    db.sqlite
      .prepare(
        `SELECT id, version, title, abstract, authors, categories, published, updated, comments, journal_ref, doi, license,
           (SELECT group_concat(category, ' ') FROM paper_categories pc WHERE pc.paper_id = p.id) AS cats
         FROM papers p ORDER BY id`,
      )
      .raw()
      .all() as unknown[][]
  ).map((r) => JSON.stringify(r));
}

test('imports the real corpus: every line lands, text normalised, re-import changes nothing', async () => {
  const dir = tempDir();
  try {
    const db = openDb(join(dir.path, 'papers.db'));
    const lines = await corpusLines();
    const first = await importFile(db, CORPUS);
    assert.equal(first.malformed, 0);
    assert.equal(first.valid, lines.length);
    assert.equal(first.added, lines.length);
    assert.equal(countPapers(db), new Set(lines.map((l) => JSON.parse(l).id)).size);
    // The import checkpoints at its end and, with no other reader, empties the WAL file.
    assert.equal(statSync(join(dir.path, 'papers.db-wal')).size, 0, 'WAL emptied after the import');
    assert.equal(db.sqlite.pragma('journal_size_limit', { simple: true }), 64 * 1024 * 1024);

    const src = JSON.parse(lines.find((l) => l.includes('"id": "0704.0002"'))!);
    const p = getPaper(db, '0704.0002')!;
    assert.equal(p.title, 'Sparsity-certifying Graph Decompositions');
    assert.deepEqual(p.authors, ['Ileana Streinu', 'Louis Theran']);
    assert.deepEqual(p.categories, ['math.CO', 'cs.CG']);
    assert.equal(p.version, 2);
    assert.equal(p.published, '2007-03-31');
    assert.equal(p.updated, '2008-12-13');
    assert.ok(p.abstract.startsWith('We describe a new algorithm, the $(k,\\ell)$-pebble game'), 'TeX kept, wraps folded');
    assert.ok(!p.abstract.includes('\n'));
    assert.equal(p.license, src.license);

    const seq = maxSeq(db);
    const before = digest(db);
    const again = await importFile(db, CORPUS, { fromStart: true });
    assert.equal(again.added + again.updated, 0);
    assert.equal(again.unchanged, lines.length);
    assert.equal(maxSeq(db), seq, 're-import must not mark any row changed');
    assert.deepEqual(digest(db), before);
    db.sqlite.close();
  } finally {
    dir.cleanup();
  }
});

test('malformed lines are counted and reported by line number, the rest still lands', async () => {
  const dir = tempDir();
  try {
    const good = await corpusLines(3000);
    const lines = [...good];
    const injected: Record<number, string> = {
      5: '{"id": "2401.00001", "title": "broken',
      100: 'not json at all',
      101: '[]',
      102: '{"id": "abc", "title": "t", "abstract": "a", "categories": "cs.LG"}',
      103: '{"id": "2401.00002", "title": "", "abstract": "a", "categories": "cs.LG"}',
      104: '{"id": "2401.00003", "title": "t", "abstract": "a", "categories": "I.2.7"}',
      2000: '\u0000\u0001garbage',
    };
    for (const at of Object.keys(injected).map(Number).sort((a, b) => a - b)) lines.splice(at - 1, 0, injected[at]);
    const file = join(dir.path, 'bad.jsonl.gz');
    writeFileSync(file, gzipSync(lines.join('\n') + '\n'));
    const db = openDb(join(dir.path, 'papers.db'));
    const r = await importFile(db, file, { batchSize: 500 });
    assert.equal(r.malformed, Object.keys(injected).length);
    assert.deepEqual(
      r.badLines.map((b) => b.line),
      Object.keys(injected).map(Number).sort((a, b) => a - b),
    );
    assert.match(r.badLines.find((b) => b.line === 102)!.reason, /bad or missing id/);
    assert.match(r.badLines.find((b) => b.line === 104)!.reason, /no valid category/);
    assert.equal(r.valid, good.length);
    assert.equal(countPapers(db), good.length);
    db.sqlite.close();
  } finally {
    dir.cleanup();
  }
});

test('a truncated gzip file keeps every committed batch and says where it stopped', async () => {
  const dir = tempDir();
  try {
    const lines = await manyCorpusLines(20000);
    const whole = gzipSync(lines.join('\n') + '\n');
    const file = join(dir.path, 'cut.jsonl.gz');
    writeFileSync(file, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const db = openDb(join(dir.path, 'papers.db'));
    await assert.rejects(importFile(db, file, { batchSize: 1000 }), /read failed after line \d+/);
    const n = countPapers(db);
    assert.ok(n > 5000 && n < 20000, `kept ${n} papers`);
    db.sqlite.close();
  } finally {
    dir.cleanup();
  }
});

test('an import killed at random moments resumes to the same database as an uninterrupted one', async () => {
  const dir = tempDir();
  try {
    const lines = await manyCorpusLines(30000);
    const file = join(dir.path, 'part.jsonl');
    writeFileSync(file, lines.join('\n') + '\n');
    const reference = openDb(join(dir.path, 'ref.db'));
    await importFile(reference, file, { batchSize: 2000 });
    const expected = digest(reference);
    reference.sqlite.close();

    const dataDir = join(dir.path, 'killed');
    const committed = () => committedPapers(dataDir);
    const run = (killAt: number | null) => runImporter(file, dataDir, { batch: 2000, killAt }).then((r) => r.code);
    /** The resume point the killed run left, read as a new run would. */
    const savedLine = () => {
      const db = openDb(join(dataDir, 'papers.db'));
      try {
        return (getCrawlState(db, 'import', file)?.resume as { line: number } | null)?.line ?? 0;
      } finally {
        db.sqlite.close();
      }
    };
    // Seeded kill points, each past the previous run's progress.
    let seed = 7;
    const partial: number[] = [];
    let target = 0;
    for (let i = 0; i < 4; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      target = Math.min(lines.length - 2000, target + 2000 + (seed % 4000));
      await run(target);
      partial.push(committed());
      // The resume point commits with its batch: the papers held are exactly the lines before it
      // (every line of this file is a distinct valid paper).
      const line = savedLine();
      assert.ok(line > 0, `run ${i}: a resume point was saved`);
      assert.equal(committed(), line, `run ${i}: papers held = lines before the resume point`);
    }
    assert.ok(partial.every((n) => n > 0 && n < lines.length), `every kill must land mid-import: ${partial}`);
    const db = openDb(join(dataDir, 'papers.db'));
    const from = savedLine();
    const rest = await importFile(db, file, { batchSize: 2000 });
    assert.equal(rest.resumedFrom, from, 'the next run starts at the saved line, not at 0');
    assert.equal(rest.added, lines.length - from, 'and adds exactly the lines after it');
    assert.deepEqual(digest(db), expected);
    db.sqlite.close();
  } finally {
    dir.cleanup();
  }
});

test('the importer CLI rejects bad usage with a clear message', async () => {
  const out = await new Promise<{ code: number | null; err: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/import.ts'), '/nonexistent/file.jsonl'], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => resolve({ code, err }));
  });
  assert.equal(out.code, 2);
  assert.match(out.err, /cannot read \/nonexistent\/file\.jsonl/);
});
