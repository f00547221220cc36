// npm run bench:wire [-- --seconds 10 --connections 32]
// Compression on the wire, same run, same data (the bundled sample imported
// into a temp DATA_DIR), real server processes on 127.0.0.1:
//  1. bytes on the wire for a listing page and /math/mathjax.css with
//     COMPRESS=off (what every response was before) and COMPRESS=on, for a
//     browser's Accept-Encoding (gzip, deflate, br);
//  2. paper pages per second (autocannon, pages warm in the page cache) with
//     compression on and off, one after the other in this run.
import autocannon from 'autocannon';
import { request } from 'node:http';
import { parseArgs } from 'node:util';
import { openDb } from '../db/client.ts';
import { importFile } from '../scripts/import.ts';
import { CORPUS, startServer, tempDir } from '../tests/helpers.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '32' } } });

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

const results: Record<string, { listing: number; css: number; rps: number; p50: number; p99: number; enc: string }> = {};
for (const mode of ['off', 'on'] as const) {
  const server = await startServer({ DATA_DIR: dir.path, COMPRESS: mode, SEARCH_ENGINE: 'fts5' }, 180_000);
  // Warm: every paper page rendered once (typeset and kept in the page cache), the listing settled.
  for (const id of ids) await wireBytes(`${server.url}/arxiv/${id}`, BROWSER);
  for (let i = 0; i < 20; i++) await wireBytes(`${server.url}/arxiv/cs.LG`, BROWSER);
  const listing = await wireBytes(`${server.url}/arxiv/cs.LG`, BROWSER);
  const css = await wireBytes(`${server.url}/math/mathjax.css`, BROWSER);
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const r = await autocannon({
    url: server.url,
    connections: Number(values.connections),
    duration: Number(values.seconds),
    headers: { 'accept-encoding': BROWSER },
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/arxiv/${ids[Math.floor(rand() * ids.length)]}` }) }],
  });
  await server.stop();
  results[mode] = { listing: listing.bytes, css: css.bytes, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, enc: listing.encoding };
  if (r.non2xx || r.errors) out(`COMPRESS=${mode}: ${r.non2xx} non-2xx, ${r.errors} errors`);
}
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
out(`Sample of ${ids.length} paper pages; Accept-Encoding: ${BROWSER}; autocannon ${values.connections} connections, ${values.seconds} s each.`);
out('');
out('| | COMPRESS=off (before) | COMPRESS=on (after) |');
out('|---|---:|---:|');
out(`| listing /arxiv/cs.LG, bytes on the wire | ${kb(results.off.listing)} | ${kb(results.on.listing)} (${results.on.enc}) |`);
out(`| /math/mathjax.css, bytes on the wire | ${kb(results.off.css)} | ${kb(results.on.css)} |`);
out(`| paper pages / s (page cache warm) | ${results.off.rps.toFixed(0)} | ${results.on.rps.toFixed(0)} (${((100 * results.on.rps) / results.off.rps).toFixed(1)} % of off) |`);
out(`| latency p50 / p99 | ${results.off.p50} / ${results.off.p99} ms | ${results.on.p50} / ${results.on.p99} ms |`);
dir.cleanup();
