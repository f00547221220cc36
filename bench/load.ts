// npm run bench:load [-- --seconds 20 --connections 64 --rate 120 --engine minisearch]
// Serves a copy of the real corpus, drives it from this (second) process with
// autocannon — search, paper pages, listings and related papers side by side,
// 64 connections in all — while a third process imports papers the server has
// not seen. Reports requests/s, p50/p99 and errors per route, then checks
// that every paper imported during the load is searchable.
//
// The connections offer a fixed total rate (`--rate` requests/s, split evenly
// over the routes), as wrk2 does, because latency is only meaningful below
// capacity: 64 connections that fire as fast as they can measure the queue
// they build (Little's law), not the server. `--rate 0` runs them closed-loop
// instead, which shows the peak throughput.
import autocannon from 'autocannon';
import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { openDb } from '../db/client.ts';
import { importFile } from '../scripts/import.ts';
import { ROOT, corpusLines, startServer, tempDir } from '../tests/helpers.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    connections: { type: 'string', default: '64' },
    engine: { type: 'string', default: process.env.SEARCH_ENGINE ?? 'minisearch' },
    holdback: { type: 'string', default: '5000' },
    rate: { type: 'string', default: '120' },
  },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const holdback = Number(values.holdback);

// A seeded generator, so two runs ask the same questions.
let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];

const dir = tempDir('bench-load-');
const lines = await corpusLines();
const served = lines.slice(0, lines.length - holdback);
const fresh = lines.slice(lines.length - holdback);
const servedFile = join(dir.path, 'served.jsonl');
const freshFile = join(dir.path, 'fresh.jsonl');
writeFileSync(servedFile, served.join('\n') + '\n');
writeFileSync(freshFile, fresh.join('\n') + '\n');

const db = openDb(join(dir.path, 'papers.db'));
await importFile(db, servedFile);
db.sqlite.close();

const records = served.map((l) => JSON.parse(l) as { id: string; title: string; categories: string });
const ids = records.map((r) => r.id);
const words = records
  .flatMap((r) => r.title.toLowerCase().split(/[^a-z]+/))
  .filter((w) => w.length > 4);
const categories = ['cs.LG', 'cs.CL', 'cs.CV', 'cs.AI', 'astro-ph.GA', 'quant-ph', 'hep-th', 'math.RT', 'cs.LG,cs.CL', 'cs.LG-cs.CV'];
const mix: Record<string, () => string> = {
  search: () => `/api/search?q=${encodeURIComponent(`${pick(words)} ${pick(words)}`)}&size=10`,
  'paper page': () => `/arxiv/${pick(ids)}`,
  listing: () => `/arxiv/${pick(categories)}`,
  related: () => `/api/papers/${pick(ids)}/related?size=10`,
};

console.log(`# load benchmark: ${served.length} papers served, ${fresh.length} imported during the load, engine ${values.engine}`);
const server = await startServer({ DATA_DIR: dir.path, SEARCH_ENGINE: values.engine!, SEARCH_SYNC_MS: '1000' }, 300_000);
try {
  const importer = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/import.ts'), '--quiet', '--batch', '500', freshFile], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dir.path },
    stdio: 'inherit',
  });
  const importDone = new Promise<number | null>((r) => importer.on('exit', r));

  const routes = Object.keys(mix).length;
  const perRoute = Math.max(1, Math.floor(connections / routes));
  const runs = Object.entries(mix).map(([route, next]) =>
    autocannon({
      url: server.url,
      connections: perRoute,
      duration: seconds,
      timeout: 10,
      ...(rate > 0 ? { overallRate: rate / routes } : {}),
      requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: next() }) }],
    }).then((r) => ({ route, r })),
  );
  const results = await Promise.all(runs);
  const importCode = await importDone;

  const offered = rate > 0 ? `${rate} req/s offered` : 'closed loop';
  console.log(`\n${connections} connections (${perRoute} per route), ${offered}, ${seconds} s, importer exit ${importCode}\n`);
  console.log('| route | req/s | p50 ms | p99 ms | errors | timeouts | non-2xx |');
  console.log('|---|---|---|---|---|---|---|');
  for (const { route, r } of results) {
    console.log(
      `| ${route} | ${Math.round(r.requests.average)} | ${r.latency.p50} | ${r.latency.p99} | ${r.errors} | ${r.timeouts} | ${r.non2xx} |`,
    );
  }

  // Every paper imported under load must be findable by its id.
  await new Promise((r) => setTimeout(r, 3000));
  let missing = 0;
  for (const line of fresh) {
    const id = (JSON.parse(line) as { id: string }).id;
    const res = (await (await fetch(`${server.url}/api/search?q=${encodeURIComponent(id)}&size=1`)).json()) as {
      results: { id: string }[];
    };
    if (res.results[0]?.id !== id) missing++;
  }
  console.log(`\nimported during load: ${fresh.length}; not searchable at the end: ${missing}`);
  const searchP99 = results.find((x) => x.route === 'search')!.r.latency.p99;
  const errors = results.reduce((n, { r }) => n + r.errors + r.timeouts + r.non2xx, 0);
  console.log(`goals: 0 errors (${errors}), search p99 <= 100 ms (${searchP99}), all searchable (${missing === 0})`);
} finally {
  await server.stop();
  dir.cleanup();
}
