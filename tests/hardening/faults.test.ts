// Faults, with real processes and files: the importer SIGKILLed at seeded
// moments while a server serves and indexes; the server itself SIGKILLed and
// restarted on a truncated snapshot; a full disk while saving the snapshot
// (writes go to /dev/full); the database locked by another writer for longer
// than busy_timeout. Nothing committed is lost, nothing is half-written, the
// search index agrees with the database, and each fault leaves a log line.
import { test } from 'node:test';
import { readSetting } from '../../lib/config.ts';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openDb, type Db } from '../../db/client.ts';
import { countPapers, getPaper, ingestBatch } from '../../db/queries.ts';
import { paperFromSnapshot } from '../../scripts/snapshot.ts';
import { importFile } from '../../scripts/import.ts';
import { openSearch, PersistentMiniSearch } from '../../search/index.ts';
import { createApp } from '../../server/app.ts';
import { committedPapers, corpusLines, manyCorpusLines, runImporter, startServer, tempDir } from '../helpers.ts';
import { assertIndexesAgree, rng } from './agree.ts';

const SEED = readSetting('FAULT_SEED');

/** Ids and versions, the identity of the collection. */
function idsAndVersions(db: Db): string[] {
  return (db.sqlite.prepare('SELECT id, version FROM papers ORDER BY id').raw().all() as [string, number | null][]).map(([id, v]) => `${id} ${v}`);
}

test('importer SIGKILLed at seeded moments under a live server: same database as one clean run, indexes agree', async () => {
  const dir = tempDir('hardening-kill-');
  let server: Awaited<ReturnType<typeof startServer>> | null = null;
  try {
    const lines = await manyCorpusLines(8000);
    const file = join(dir.path, 'part.jsonl');
    writeFileSync(file, lines.join('\n') + '\n');
    const ref = openDb(join(dir.path, 'ref.db'));
    await importFile(ref, file, { batchSize: 500 });
    const expected = idsAndVersions(ref);
    ref.sqlite.close();

    const dataDir = join(dir.path, 'data');
    mkdirSync(dataDir);
    // The FTS5 table and triggers exist from the start, so every import writes them too.
    const seedDb = openDb(join(dataDir, 'papers.db'));
    (await openSearch(seedDb, { engine: 'fts5', dataDir })).close();
    seedDb.sqlite.close();
    server = await startServer({ DATA_DIR: dataDir, SEARCH_ENGINE: 'minisearch', SEARCH_SYNC_MS: '100', MATH_FILL_MS: '600000' });

    const committed = () => committedPapers(dataDir);
    const run = (killAt: number | null) => runImporter(file, dataDir, { batch: 500, killAt });
    const pick = rng(SEED);
    let target = 0;
    const kills: number[] = [];
    for (let i = 0; i < 5; i++) {
      target = Math.min(lines.length - 1000, target + 500 + Math.floor(pick() * 1200));
      const r = await run(target);
      kills.push(committed());
      assert.equal(r.signal, 'SIGKILL', `run ${i} was killed (it got to ${kills.at(-1)})`);
    }
    assert.ok(kills.every((n) => n > 0 && n < lines.length), `each kill landed mid-import: ${kills}`);
    assert.equal((await run(null)).code, 0);

    const db = openDb(join(dataDir, 'papers.db'));
    const got = idsAndVersions(db);
    assert.equal(new Set(got.map((x) => x.split(' ')[0])).size, got.length, 'no duplicate ids');
    assert.deepEqual(got, expected);
    db.sqlite.close();

    // The live server caught up: a sample of the papers is searchable by id.
    const deadline = Date.now() + 15_000;
    const sample = expected.filter((_, i) => i % 331 === 0).map((x) => x.split(' ')[0]);
    for (const id of sample) {
      for (;;) {
        const r = (await (await fetch(`${server.url}/api/search?q=${encodeURIComponent(id)}&size=1`)).json()) as { results: { id: string }[] };
        if (r.results[0]?.id === id) break;
        assert.ok(Date.now() < deadline, `${id} not searchable on the live server`);
        await new Promise((res) => setTimeout(res, 100));
      }
    }

    // The server dies without warning; its snapshot (if any) was written atomically.
    server.proc.kill('SIGKILL');
    await new Promise((r) => server!.proc.once('exit', r));
    server = null;
    await assertIndexesAgree(dataDir, 'after kills');

    // A truncated snapshot at start: logged, rebuilt, serving.
    const snap = join(dataDir, 'search', 'minisearch.bin');
    assert.ok(existsSync(snap));
    const bytes = readFileSync(snap);
    writeFileSync(snap, bytes.subarray(0, Math.floor(bytes.length * 0.7)));
    server = await startServer({ DATA_DIR: dataDir, SEARCH_ENGINE: 'minisearch', MATH_FILL_MS: '600000' });
    assert.match(server.output(), /snapshot .* unusable \(.*\), rebuilding/);
    const r = (await (await fetch(`${server.url}/api/search?q=${encodeURIComponent(sample[0])}&size=1`)).json()) as { results: { id: string }[] };
    assert.equal(r.results[0]?.id, sample[0]);
  } finally {
    if (server) await server.stop();
    dir.cleanup();
  }
});

test('a full disk while saving the snapshot: logged, the index keeps working, the old snapshot stays whole', async () => {
  const dir = tempDir('hardening-full-');
  try {
    const lines = await corpusLines(1500);
    const file = join(dir.path, 'part.jsonl');
    writeFileSync(file, lines.slice(0, 1000).join('\n') + '\n');
    const db = openDb(join(dir.path, 'papers.db'));
    await importFile(db, file);
    const logs: string[] = [];
    const engine = (await openSearch(db, { engine: 'minisearch', dataDir: dir.path, log: (l) => logs.push(l) })) as PersistentMiniSearch;
    const snap = join(dir.path, 'search', 'minisearch.bin');
    const good = readFileSync(snap);

    // Every write of the next save goes to /dev/full: ENOSPC, as on a full disk.
    // Five commits of 100 papers each, through the real write path.
    for (let at = 1000; at < 1500; at += 100) ingestBatch(db, { papers: lines.slice(at, at + 100).map((l) => paperFromSnapshot(JSON.parse(l))) });
    // The server syncs in slices of at most so many papers, splitting an import
    // batch when it must, so a big import never stalls it for long.
    const slices: number[] = [];
    for (let n = engine.engine.sync(150); n; n = engine.engine.sync(150)) slices.push(n);
    assert.deepEqual(slices, [150, 50, 150, 50, 100]);
    for (const tmp of [`${snap}.${process.pid}.tmp`, `${snap}.${process.pid}.bg.tmp`]) symlinkSync('/dev/full', tmp);
    logs.length = 0;
    engine.save();
    await engine.saveInBackground();
    assert.equal(logs.filter((l) => /could not save snapshot: .*ENOSPC/.test(l)).length, 2, logs.join('\n'));
    assert.deepEqual(readFileSync(snap), good, 'the previous snapshot is untouched');
    const id = JSON.parse(lines[1200]).id as string;
    assert.equal(engine.search(id).hits[0]?.id, id, 'the in-memory index still answers');

    // Space comes back: the next save succeeds and loads.
    logs.length = 0;
    await engine.saveInBackground();
    assert.ok(logs.some((l) => /saved snapshot/.test(l)), logs.join('\n'));
    engine.close();
    logs.length = 0;
    const again = await openSearch(db, { engine: 'minisearch', dataDir: dir.path, log: (l) => logs.push(l) });
    assert.ok(logs.some((l) => /loaded snapshot \(1500 papers/.test(l)), logs.join('\n'));
    again.close();
    db.sqlite.close();
  } finally {
    dir.cleanup();
  }
});

test('a database locked by another writer past busy_timeout: pages still render, the import fails with a clear error, then resumes', async () => {
  const dir = tempDir('hardening-lock-');
  try {
    const lines = await corpusLines(3000);
    // Formulas no page has typeset yet, so rendering wants to write the math cache.
    const withMath = lines.filter((l) => /\$[^$]+\$/.test(JSON.parse(l).abstract as string));
    const file = join(dir.path, 'part.jsonl');
    writeFileSync(file, lines.slice(0, 2000).join('\n') + '\n');
    const path = join(dir.path, 'papers.db');
    const db = openDb(path);
    await importFile(db, file);
    // Same behaviour as the default 10 s, without a 10 s test.
    db.sqlite.pragma('busy_timeout = 200');
    const logs: string[] = [];
    const search = await openSearch(db, { engine: 'minisearch', dataDir: dir.path, log: (l) => logs.push(l) });
    const app = createApp({ db, search });

    const holder = new Database(path);
    holder.pragma('busy_timeout = 0');
    holder.exec('BEGIN IMMEDIATE');
    try {
      const ids = withMath.map((l) => JSON.parse(l).id as string).filter((id) => getPaper(db, id)).slice(0, 5);
      assert.ok(ids.length === 5);
      // Typesetting on the loop shares a quarter of the server's time: on a loaded machine later
      // pages may send some formulas as source (math-pending), but every page renders, and the
      // formulas typeset meanwhile are shown although the cache cannot be written.
      let typeset = 0;
      for (const id of ids) {
        const r = await app.request(`/arxiv/${id}`);
        assert.equal(r.status, 200, `paper page under a held lock: ${r.status}`);
        const html = await r.text();
        assert.match(html, /class="math[^"]*notranslate"/);
        typeset += (html.match(/mjx-container/g) ?? []).length;
      }
      assert.ok(typeset > 0, 'formulas typeset while the lock is held');
      for (const path of ['/arxiv/cs.LG', '/api/search?q=model', '/healthz']) assert.equal((await app.request(path)).status, 200, path);

      writeFileSync(file, lines.slice(2000).join('\n') + '\n');
      await assert.rejects(importFile(db, file), /database is locked/);
      assert.equal(countPapers(db), 2000, 'nothing half-written');
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    const r = await importFile(db, file);
    assert.equal(r.added, 1000);
    assert.equal(search.sync(), 1000);
    assert.equal(countPapers(db), 3000);
    search.close();
    db.sqlite.close();
  } finally {
    dir.cleanup();
  }
});
