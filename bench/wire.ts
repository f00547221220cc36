// npm run bench:wire [-- --seconds 10 --connections 32]
// Compression on the wire, same run, same data (the bundled sample imported
// into a temp DATA_DIR), real server processes on 127.0.0.1:
//  1. bytes on the wire for a listing page and /math/mathjax.css with
//     COMPRESS=off (what every response was before) and COMPRESS=on, for a
//     browser's Accept-Encoding (gzip, deflate, br);
//  2. paper pages per second (autocannon, pages warm in the page cache, every
//     formula typeset) with compression on and off: both servers up at once,
//     runs alternating off/on `rounds` times so the machine's load falls on
//     both alike; the median of each.
import autocannon from 'autocannon';
import { request } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { openDb } from '../db/client.ts';
import { importFile } from '../scripts/import.ts';
import { CORPUS, startServer, tempDir } from '../tests/helpers.ts';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '3' }, connections: { type: 'string', default: '32' } },
});

function wireBytes(url: string, acceptEncoding: string): Promise<{ bytes: number; encoding: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { 'accept-encoding': acceptEncoding } }, (res) => {
      let bytes = 0;
      res.on('data', (d: Buffer) => (bytes += d.length));
      res.on('end', () => resolve({ bytes, encoding: String(res.headers['content-encoding'] ?? 'identity') }));
    });
    req.on('error', reject);
    req.end();
  });
}

const dir = tempDir('papers-bench-wire-');
const db = openDb(`${dir.path}/papers.db`);
await importFile(db, CORPUS);
const ids = db.sqlite.prepare('SELECT id FROM papers ORDER BY id DESC LIMIT 300').pluck().all() as string[];
db.sqlite.close();
const BROWSER = 'gzip, deflate, br';
const lines: string[] = [];
const out = (s: string) => {
  lines.push(s);
  console.log(s);
};

/** Requests a page until it comes back with every formula typeset (and so kept in the page cache). */
async function warm(url: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const body = await (await fetch(url, { headers: { 'accept-encoding': BROWSER } })).text();
    if (!body.includes('math-pending')) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url}: formulas still pending after 50 tries`);
}

/** Waits until a process uses under 5 % of a core over a second (its background typesetting and indexing done), at most 10 minutes. */
async function idle(pid: number): Promise<void> {
  const cpu = () => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ').slice(11, 13).reduce((t, x) => t + Number(x), 0);
  const deadline = Date.now() + 600_000;
  for (let before = cpu(); Date.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = cpu();
    if (now - before < 5) return; // clock ticks: 100 a second
    before = now;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
type Mode = 'off' | 'on';
const servers = {
  off: await startServer({ DATA_DIR: dir.path, COMPRESS: 'off', SEARCH_ENGINE: 'fts5' }, 180_000),
  on: await startServer({ DATA_DIR: dir.path, COMPRESS: 'on', SEARCH_ENGINE: 'fts5' }, 180_000),
};
const results = {} as Record<Mode, { listing: number; css: number; rps: number[]; p50: number[]; p99: number[]; enc: string }>;
for (const mode of ['off', 'on'] as const) {
  const url = servers[mode].url;
  // Warm: every paper page rendered with its formulas typeset, the listing settled; then each
  // encoding made once (on: the first compressed request keeps its bytes beside the page).
  for (const id of ids) await warm(`${url}/arxiv/${id}`);
  for (const id of ids) await wireBytes(`${url}/arxiv/${id}`, BROWSER);
  for (let i = 0; i < 20; i++) await wireBytes(`${url}/arxiv/cs.LG`, BROWSER);
  const listing = await wireBytes(`${url}/arxiv/cs.LG`, BROWSER);
  const css = await wireBytes(`${url}/math/mathjax.css`, BROWSER);
  results[mode] = { listing: listing.bytes, css: css.bytes, rps: [], p50: [], p99: [], enc: listing.encoding };
}
// Background work (the math fill, the search index) must not fall on one mode's runs.
if (existsSync('/proc/self/stat')) for (const mode of ['off', 'on'] as const) await idle(servers[mode].proc.pid!);
let seed = 7;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
for (let round = 0; round < Number(values.rounds); round++) {
  for (const mode of (round % 2 ? ['on', 'off'] : ['off', 'on']) as Mode[]) {
    const r = await autocannon({
      url: servers[mode].url,
      connections: Number(values.connections),
      duration: Number(values.seconds),
      headers: { 'accept-encoding': BROWSER },
      requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/arxiv/${ids[Math.floor(rand() * ids.length)]}` }) }],
    });
    if (r.non2xx || r.errors) out(`COMPRESS=${mode}: ${r.non2xx} non-2xx, ${r.errors} errors`);
    results[mode].rps.push(r.requests.average);
    results[mode].p50.push(r.latency.p50);
    results[mode].p99.push(r.latency.p99);
  }
}
await servers.off.stop();
await servers.on.stop();
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
out(`Sample of ${ids.length} paper pages; Accept-Encoding: ${BROWSER}; autocannon ${values.connections} connections, ${values.rounds} alternating runs of ${values.seconds} s per mode (medians).`);
out('');
out('| | COMPRESS=off (before) | COMPRESS=on (after) |');
out('|---|---:|---:|');
out(`| listing /arxiv/cs.LG, bytes on the wire | ${kb(results.off.listing)} | ${kb(results.on.listing)} (${results.on.enc}) |`);
out(`| /math/mathjax.css, bytes on the wire | ${kb(results.off.css)} | ${kb(results.on.css)} |`);
const rps = { off: median(results.off.rps), on: median(results.on.rps) };
out(`| paper pages / s (page cache warm) | ${rps.off.toFixed(0)} | ${rps.on.toFixed(0)} (${((100 * rps.on) / rps.off).toFixed(1)} % of off) |`);
out(`| latency p50 / p99 | ${median(results.off.p50)} / ${median(results.off.p99)} ms | ${median(results.on.p50)} / ${median(results.on.p99)} ms |`);
dir.cleanup();
