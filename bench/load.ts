// npm run bench:load [-- --seconds 20 --connections 64 --rate 120 --engine minisearch]
// Serves a copy of the real corpus, drives it from this (second) process with
// autocannon — search, paper pages, listings and related papers side by side,
// 64 connections in all — while a third process imports papers the server has
// not seen. Reports requests/s, p50/p99 and errors per route, then checks
// that every paper imported during the load is searchable.
//
// By default the load is open: requests arrive at a fixed mean rate (`--rate`
// requests/s over all routes, Poisson arrivals, as a crowd of readers would
// send them) over a pool of 64 keep-alive connections, and each latency runs
// from the moment the request was due, so a stalled server is charged for the
// requests it held up (no coordinated omission, as in wrk2). Latency is only
// meaningful below capacity: 64 connections firing as fast as they can
// measure the queue they build (Little's law), not the server. `--rate 0`
// runs that closed loop instead (autocannon), which shows the peak throughput.
import autocannon from 'autocannon';
import { readSetting } from '../lib/config.ts';
import http from 'node:http';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { openDb } from '../db/client.ts';
import { importFile } from '../scripts/import.ts';
import { ROOT, corpusLines, startServer, tempDir } from '../tests/helpers.ts';
import { benchCorpus } from './corpus.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    connections: { type: 'string', default: '64' },
    engine: { type: 'string', default: readSetting('SEARCH_ENGINE') },
    holdback: { type: 'string', default: '5000' },
    rate: { type: 'string', default: '120' },
  },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const holdback = Number(values.holdback);

/** Whether the background import is running (requests due meanwhile are also reported apart). */
let importing = false;

// A seeded generator, so two runs ask the same questions.
let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];

const dir = tempDir('bench-load-');
const freshFile = join(dir.path, 'fresh.jsonl');
// The corpus is read in a function of its own so that only what the load
// needs stays alive: this process's own collections would count as latency.
const { ids, words, freshIds } = await (async () => {
  const lines = await corpusLines(Infinity, benchCorpus().path);
  const served = lines.slice(0, lines.length - holdback);
  const fresh = lines.slice(lines.length - holdback);
  const servedFile = join(dir.path, 'served.jsonl');
  writeFileSync(servedFile, served.join('\n') + '\n');
  writeFileSync(freshFile, fresh.join('\n') + '\n');
  const db = openDb(join(dir.path, 'papers.db'));
  await importFile(db, servedFile);
  db.sqlite.close();
  const records = served.map((l) => JSON.parse(l) as { id: string; title: string; categories: string });
  return {
    ids: records.map((r) => r.id),
    words: records.flatMap((r) => r.title.toLowerCase().split(/[^a-z]+/)).filter((w) => w.length > 4),
    freshIds: fresh.map((l) => (JSON.parse(l) as { id: string }).id),
  };
})();
collectGarbage();
const categories = ['cs.LG', 'cs.CL', 'cs.CV', 'cs.AI', 'astro-ph.GA', 'quant-ph', 'hep-th', 'math.RT', 'cs.LG,cs.CL', 'cs.LG-cs.CV'];
const mix: Record<string, () => string> = {
  search: () => `/api/search?q=${encodeURIComponent(`${pick(words)} ${pick(words)}`)}&size=10`,
  'paper page': () => `/arxiv/${pick(ids)}`,
  listing: () => `/arxiv/${pick(categories)}`,
  related: () => `/api/papers/${pick(ids)}/related?size=10`,
};

console.log(`# load benchmark: ${ids.length} papers served, ${freshIds.length} imported during the load, engine ${values.engine}`);
const server = await startServer({ DATA_DIR: dir.path, SEARCH_ENGINE: values.engine!, SEARCH_SYNC_MS: '1000' }, 300_000);
try {
  // Warm-up, not measured: each listing once (its first view typesets every
  // formula on it, which a running site has long done) and a few of each route.
  for (const path of categories.map((c) => `/arxiv/${c}`)) await fetch(`${server.url}${path}`).then((r) => r.arrayBuffer());
  for (let i = 0; i < 5; i++) for (const next of Object.values(mix)) await fetch(`${server.url}${next()}`).then((r) => r.arrayBuffer());
  const importer = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/import.ts'), '--quiet', '--batch', '500', freshFile], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dir.path },
    stdio: 'inherit',
  });
  importing = true;
  const importDone = new Promise<number | null>((r) =>
    importer.on('exit', (code) => {
      importing = false;
      r(code);
    }),
  );
  collectGarbage();

  const results = rate > 0 ? await openLoop(server.url, rate) : await closedLoop(server.url);
  const importCode = await importDone;

  const offered = rate > 0 ? `${rate} req/s offered (Poisson arrivals) over a pool of ${connections} connections` : `${connections} connections, closed loop`;
  console.log(`\n${offered}, ${seconds} s, importer exit ${importCode}\n`);
  console.log('| route | req/s | p50 ms | p99 ms | errors | timeouts | non-2xx | p99 ms while importing (requests) | p99 ms after |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  const ms = (x: number | undefined) => (x === undefined ? '-' : String(Math.round(x)));
  for (const r of results) {
    const split = r.split ? `${ms(r.split.during.p99)} (${r.split.during.n}) | ${ms(r.split.after.p99)}` : '- | -';
    console.log(`| ${r.route} | ${Math.round(r.rps)} | ${Math.round(r.p50)} | ${Math.round(r.p99)} | ${r.errors} | ${r.timeouts} | ${r.non2xx} | ${split} |`);
  }

  // Every paper imported under load must become findable by its id (the
  // server indexes in slices that leave readers two thirds of its time).
  const lastId = freshIds[freshIds.length - 1];
  const waitStart = Date.now();
  while (Date.now() - waitStart < 120_000) {
    const res = (await (await fetch(`${server.url}/api/search?q=${encodeURIComponent(lastId)}&size=1`)).json()) as { results: { id: string }[] };
    if (res.results[0]?.id === lastId) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  console.log(`\nlast imported paper searchable ${((Date.now() - waitStart) / 1000).toFixed(1)} s after the load ended`);
  let missing = 0;
  for (const id of freshIds) {
    const res = (await (await fetch(`${server.url}/api/search?q=${encodeURIComponent(id)}&size=1`)).json()) as {
      results: { id: string }[];
    };
    if (res.results[0]?.id !== id) missing++;
  }
  console.log(`\nimported during load: ${freshIds.length}; not searchable at the end: ${missing}`);
  const searchP99 = results.find((x) => x.route === 'search')!.p99;
  const errors = results.reduce((n, r) => n + r.errors + r.timeouts + r.non2xx, 0);
  console.log(`goals: 0 errors (${errors}), search p99 <= 100 ms (${searchP99}), all searchable (${missing === 0})`);
} finally {
  await server.stop();
  dir.cleanup();
}

/** A full collection of this process before measuring, so its leftovers are not collected mid-run. */
function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

interface RouteResult {
  route: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  /** Open loop only: requests due while the importer ran, and those due after. */
  split?: { during: { n: number; p99: number | undefined }; after: { n: number; p99: number | undefined } };
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : 0;
}

/** Poisson arrivals at `perSecond`, routes in turn, latency from the moment each request was due. */
async function openLoop(base: string, perSecond: number): Promise<RouteResult[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const names = Object.keys(mix);
  const stats = new Map(names.map((n) => [n, { lat: [] as number[], during: [] as number[], after: [] as number[], errors: 0, timeouts: 0, non2xx: 0 }]));
  const inflight: Promise<void>[] = [];
  const start = performance.now();
  let due = start;
  let k = 0;
  while (due - start < seconds * 1000) {
    due += (-Math.log(1 - rand()) / perSecond) * 1000;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const route = names[k++ % names.length];
    const st = stats.get(route)!;
    const at = due;
    const part = importing ? st.during : st.after;
    inflight.push(
      new Promise<void>((resolve) => {
        const req = http.get(`${base}${mix[route]()}`, { agent, timeout: 10_000 }, (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode! >= 200 && res.statusCode! < 300) {
              const latency = performance.now() - at;
              st.lat.push(latency);
              part.push(latency);
            } else st.non2xx++;
            resolve();
          });
        });
        req.on('timeout', () => {
          st.timeouts++;
          req.destroy(new Error('timeout'));
        });
        req.on('error', (err) => {
          if (err.message !== 'timeout') st.errors++;
          resolve();
        });
      }),
    );
  }
  await Promise.all(inflight);
  agent.destroy();
  return names.map((route) => {
    const st = stats.get(route)!;
    const lat = st.lat.sort((a, b) => a - b);
    const p99 = (xs: number[]) => (xs.length ? percentile(xs.sort((a, b) => a - b), 0.99) : undefined);
    const split = { during: { n: st.during.length, p99: p99(st.during) }, after: { n: st.after.length, p99: p99(st.after) } };
    return { route, rps: lat.length / seconds, p50: percentile(lat, 0.5), p99: percentile(lat, 0.99), errors: st.errors, timeouts: st.timeouts, non2xx: st.non2xx, split };
  });
}

/** Every connection fires its next request as soon as the last one is answered (peak throughput). */
async function closedLoop(base: string): Promise<RouteResult[]> {
  const perRoute = Math.max(1, Math.floor(connections / Object.keys(mix).length));
  return Promise.all(
    Object.entries(mix).map(([route, next]) =>
      autocannon({
        url: base,
        connections: perRoute,
        duration: seconds,
        timeout: 10,
        requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: next() }) }],
      }).then((r) => ({ route, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors, timeouts: r.timeouts, non2xx: r.non2xx })),
    ),
  );
}
