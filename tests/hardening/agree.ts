// Shared by the fault tests: does every search index hold exactly the database's papers?
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openDb } from '../../db/client.ts';
import { countPapers } from '../../db/queries.ts';
import { openSearch, PersistentMiniSearch } from '../../search/index.ts';

export { rng } from '../helpers.ts';
import { rng } from '../helpers.ts';

/** FTS5 (before anything could rebuild it) and MiniSearch both hold exactly the database's papers. */
export async function assertIndexesAgree(dataDir: string, label: string, seed = 1234): Promise<void> {
  const db = openDb(join(dataDir, 'papers.db'));
  try {
    const n = countPapers(db);
    const ids = db.sqlite.prepare('SELECT id FROM papers').pluck().all() as string[];
    // The FTS5 triggers wrote the index inside each import transaction; a kill cannot split them.
    const indexed = db.sqlite.prepare('SELECT count(*) FROM papers_fts_docsize').pluck().get() as number;
    assert.equal(indexed, n, `${label}: FTS5 rows`);
    db.sqlite.exec("INSERT INTO papers_fts(papers_fts) VALUES ('integrity-check')");
    const logs: string[] = [];
    const ms = await openSearch(db, { engine: 'minisearch', dataDir, log: (l) => logs.push(l) });
    assert.ok(ms instanceof PersistentMiniSearch);
    assert.equal(ms.engine.size, n, `${label}: MiniSearch documents (${logs.join('; ')})`);
    assert.ok(ids.every((id) => ms.engine.ms.has(id)), `${label}: every paper is in MiniSearch`);
    // Spot-check: a paper's own id finds it in both engines.
    const fts = await openSearch(db, { engine: 'fts5', dataDir });
    const pick = rng(seed);
    for (let i = 0; i < 25; i++) {
      const id = ids[Math.floor(pick() * ids.length)];
      assert.equal(ms.search(id).hits[0]?.id, id, `${label}: minisearch finds ${id}`);
      assert.equal(fts.search(id).hits[0]?.id, id, `${label}: fts5 finds ${id}`);
    }
    ms.close();
    fts.close();
  } finally {
    db.sqlite.close();
  }
}

