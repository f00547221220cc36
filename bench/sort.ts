// What ordering costs: a page of search results by relevance and by date
// (search/sort.ts: the best DATE_SORT_MAX matches re-ordered by sort date),
// and a listing's keyword ranking over its newest KEYWORD_RANK_MAX papers,
// for both engines in process over the real corpus.
//   npm run bench:sort          (under flock /work/locks/bench.lock)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb } from '../db/client.ts';
import { importFile } from '../scripts/import.ts';
import { allInSelection, categoryMatcher } from '../db/listings.ts';
import { MiniSearchEngine } from '../search/minisearch.ts';
import { Fts5Engine } from '../search/fts5.ts';
import { searchSorted, DATE_SORT_MAX } from '../search/sort.ts';
import type { LocalSearchEngine } from '../search/types.ts';
import { KEYWORD_RANK_MAX } from '../server/routes/listing.tsx';
import { rng } from '../web/demos/core/random.ts';
import { benchCorpus } from './corpus.ts';

const QUERIES = 300;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

const f2 = (x: number) => x.toFixed(2);

async function timed(run: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await run();
  return performance.now() - t;
}

const dir = mkdtempSync(join(tmpdir(), 'bench-sort-'));
try {
  const corpus = benchCorpus();
  const db = openDb(join(dir, 'papers.db'));
  await importFile(db, corpus.path, {});
  // Queries: two words of a random paper's title (4+ letters), seeded.
  const rand = rng(16);
  const titles = db.sqlite.prepare('SELECT title FROM papers ORDER BY rowid').pluck().all() as string[];
  const queries: string[] = [];
  while (queries.length < QUERIES) {
    const words = titles[Math.floor(rand() * titles.length)].toLowerCase().match(/\b[a-z]{4,}\b/g) ?? [];
    if (words.length < 2) continue;
    const i = Math.floor(rand() * (words.length - 1));
    queries.push(`${words[i]} ${words[i + 1]}`);
  }
  const listing = allInSelection(db, categoryMatcher(db).parse('cs')!);
  const newest = new Set(listing.slice(0, KEYWORD_RANK_MAX));
  console.log(`${titles.length} papers; ${QUERIES} two-word title queries; DATE_SORT_MAX ${DATE_SORT_MAX}; keyword ranking over the newest ${newest.size} of ${listing.length} cs papers`);
  console.log('| engine | relevance p50 / p99 ms | date p50 / p99 ms | keyword ranking p50 / p99 ms | queries with more than DATE_SORT_MAX matches |');
  console.log('|---|---|---|---|---|');
  const engines: [string, () => LocalSearchEngine][] = [
    ['minisearch', () => MiniSearchEngine.build(db)],
    ['fts5', () => Fts5Engine.open(db, {})],
  ];
  for (const [name, make] of engines) {
    const engine = make();
    for (const q of queries.slice(0, 20)) engine.search(q); // warm up
    const rel: number[] = [];
    const date: number[] = [];
    const kw: number[] = [];
    let cut = 0;
    for (const q of queries) {
      rel.push(await timed(() => searchSorted(engine, db, q, { offset: 0, limit: 25, sort: 'relevance' })));
      date.push(
        await timed(async () => {
          const r = await searchSorted(engine, db, q, { offset: 0, limit: 25, sort: 'date' });
          if (r.matches > DATE_SORT_MAX) cut++;
        }),
      );
      kw.push(await timed(async () => engine.search(q, { within: newest, limit: newest.size, offset: 0 })));
    }
    console.log(`| ${name} | ${f2(pct(rel, 50))} / ${f2(pct(rel, 99))} | ${f2(pct(date, 50))} / ${f2(pct(date, 99))} | ${f2(pct(kw, 50))} / ${f2(pct(kw, 99))} | ${cut} of ${QUERIES} |`);
    engine.close();
  }
  db.sqlite.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
