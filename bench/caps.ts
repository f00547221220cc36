// `npm run bench:caps [-- --papers 1000000 --dir DIR]`: the cost caps at scale.
// Builds a synthetic corpus of N papers (recombined from the real one, see
// bench/corpus.ts), serves it with the fts5 engine (the one for all of arXiv)
// and times, over HTTP on loopback, single uncached requests that used to be
// expensive: keyword ranking on the largest category and on a whole archive
// (bounded to KEYWORD_RANK_MAX newest papers), a search page at the deepest
// allowed offset, and one past it (refused). Peer in the same run: the same
// searches at offset 0. The search rows run twice: as they come (the engine
// keeps document lengths read by earlier queries) and each right after a
// paper is written (a change to the index, after which the written paper's
// length is read again). Goal (issue 18): every single request
// <= 100 ms.
import { parseArgs } from 'node:util';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb } from '../db/client.ts';
import { countPapers, getPaper, ingestBatch } from '../db/queries.ts';
import { importFile } from '../scripts/import.ts';
import { ensureFts5 } from '../search/fts5.ts';
import { MAX_OFFSET } from '../search/sort.ts';
import { startServer } from '../tests/helpers.ts';
import { writeSynthetic } from './corpus.ts';

const { values } = parseArgs({
  options: {
    papers: { type: 'string', default: '1000000' },
    /** Keep (and reuse) the database here. */
    dir: { type: 'string' },
    runs: { type: 'string', default: '15' },
  },
});
const n = Number(values.papers);
/** Requests before each row's timed ones: code, connections and statements warm, not answers (the first few after a start ran 5-10x slower). */
const WARM = 3;
const runs = Number(values.runs);
const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'bench-caps-'));
mkdirSync(dir, { recursive: true });
const log = (line: string) => console.log(line);

const dbFile = join(dir, 'papers.db');
// Written after a finished build: a database left by an interrupted one is built again, never measured.
const built = join(dir, `built-${n}`);
if (!existsSync(built)) {
  for (const f of ['papers.db', 'papers.db-wal', 'papers.db-shm']) rmSync(join(dir, f), { force: true });
  const file = join(dir, 'synthetic.jsonl');
  let t = performance.now();
  await writeSynthetic(file, n, 18);
  log(`wrote ${n.toLocaleString('en')} synthetic papers in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  const db = openDb(dbFile);
  t = performance.now();
  await importFile(db, file, {});
  ensureFts5(db, log);
  log(`imported and indexed in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  db.sqlite.close();
  rmSync(file, { force: true });
  writeFileSync(built, new Date().toISOString());
}
const db = openDb(dbFile);
const papers = countPapers(db);
const [bigCat, bigCount] = db.sqlite
  .prepare('SELECT category, count(*) AS n FROM paper_categories GROUP BY category ORDER BY n DESC LIMIT 1')
  .raw()
  .get() as [string, number];
// Words readers type: frequent title words, one per request so no page cache answers.
const words = (db.sqlite.prepare('SELECT title FROM papers ORDER BY rowid DESC LIMIT 4000').pluck().all() as string[])
  .flatMap((t) => t.toLowerCase().match(/\b[a-z]{6,12}\b/g) ?? [])
  .filter((w, i, all) => all.indexOf(w) === i)
  .slice(0, 5 * (runs + WARM));
// The worst case for ranking: the words the most papers hold (every match is scored).
const commonest = db.sqlite
  .prepare("SELECT term FROM papers_fts_vocab WHERE length(term) >= 6 AND term GLOB '[a-z]*' AND term NOT GLOB '*[^a-z]*' ORDER BY doc DESC LIMIT ?")
  .pluck()
  .all(runs + WARM) as string[];
db.sqlite.close();
log(`${papers.toLocaleString('en')} papers; largest category ${bigCat} (${bigCount.toLocaleString('en')})`);

const server = await startServer({ DATA_DIR: dir, SEARCH_ENGINE: 'fts5' }, 900_000);
async function timed(path: string): Promise<{ ms: number; status: number }> {
  const t = performance.now();
  const r = await fetch(server.url + path);
  await r.arrayBuffer();
  return { ms: performance.now() - t, status: r.status };
}
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const rows: string[] = [];
async function measure(name: string, paths: string[], want: number, before?: () => void): Promise<void> {
  for (const p of paths.slice(0, WARM)) await timed(p);
  const ms: number[] = [];
  let slowest = '';
  for (const p of paths.slice(WARM)) {
    before?.();
    const r = await timed(p);
    if (r.status !== want) throw new Error(`${p}: ${r.status}, expected ${want}`);
    if (r.ms > Math.max(0, ...ms)) slowest = p;
    ms.push(r.ms);
  }
  rows.push(`| ${name} | ${ms.length} | ${pct(ms, 50).toFixed(1)} | ${Math.max(...ms).toFixed(1)} |`);
  log(`${rows.at(-1)!} slowest: ${slowest}`);
}
try {
  const archive = bigCat.split('.')[0];
  // Each row's own words (the deep page reuses the first page's: the same searches, deeper).
  const batch = (k: number) => words.slice(k * (runs + WARM), (k + 1) * (runs + WARM));
  const size = 10;
  const deepPage = Math.floor(MAX_OFFSET / size);
  await measure(`keyword ranking, /arxiv/${bigCat} (${bigCount.toLocaleString('en')} papers)`, batch(0).map((w) => `/api/arxiv/${bigCat}?sort=keywords&kw=${w}`), 200);
  await measure(`keyword ranking, /arxiv/${archive} (whole archive)`, batch(1).map((w) => `/api/arxiv/${archive}?sort=keywords&kw=${w}`), 200);
  await measure('search, first page (peer)', batch(2).map((w) => `/api/search?q=${w}&size=${size}`), 200);
  await measure(`search, offset ${(deepPage - 1) * size} (deepest allowed)`, batch(2).map((w) => `/api/search?q=${w}&size=${size}&page=${deepPage}`), 200);
  // A new version of the newest paper, written from another connection as a crawl writes it (ingestBatch: its
  // text, categories and a higher seq), changes the index; bm25_df (fts5_rank.c) then re-reads that paper's length.
  const writer = openDb(dbFile);
  const newest = writer.sqlite.prepare('SELECT id FROM papers ORDER BY rowid DESC LIMIT 1').pluck().get() as string;
  let revision = 0;
  const write = () => {
    const p = getPaper(writer, newest)!;
    ingestBatch(writer, { papers: [{ ...p, version: (p.version ?? 1) + 1, abstract: `${p.abstract.replace(/ Revision \d+\.$/, '')} Revision ${++revision}.` }] });
  };
  await measure('search, first page, each right after a paper is written (peer)', batch(3).map((w) => `/api/search?q=${w}&size=${size}`), 200, write);
  await measure(`search, offset ${(deepPage - 1) * size}, each right after a paper is written`, batch(3).map((w) => `/api/search?q=${w}&size=${size}&page=${deepPage}`), 200, write);
  await measure('search, first page, the commonest words, each right after a paper is written', commonest.map((w) => `/api/search?q=${w}&size=${size}`), 200, write);
  await measure(`search, offset ${(deepPage - 1) * size}, the commonest words, each right after a paper is written`, commonest.map((w) => `/api/search?q=${w}&size=${size}&page=${deepPage}`), 200, write);
  writer.sqlite.close();
  await measure(`search, offset ${(deepPage - 1) * size}, the commonest words again (lengths kept)`, commonest.map((w) => `/api/search?q=${w}&size=${size}&page=${deepPage}`), 200);
  await measure(`search, offset ${deepPage * size + size} (refused, 400)`, batch(4).map((w) => `/api/search?q=${w}&size=${size}&page=${deepPage + 2}`), 400);
  console.log(`\n| request (${papers.toLocaleString('en')} papers, fts5, uncached) | n | p50 ms | max ms |\n|---|---|---|---|\n${rows.join('\n')}`);
} finally {
  await server.stop();
  if (!values.dir) rmSync(dir, { recursive: true, force: true });
}
