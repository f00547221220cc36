// npm run bench:pages [-- --formulas 3000 --seconds 15 --connections 32]
// On the real corpus (imported into a temp DATA_DIR):
//  1. cold typesetting of N distinct real formulas: MathJax CHTML (what we ship),
//     MathJax SVG (the alternative) and KaTeX renderToString, same formulas,
//     with bytes raw and gzipped per page-sized group of formulas;
//  2. the background pass filling the math cache for the whole corpus;
//  3. server time (app.fetch in process) for paper pages and 25-paper chunks;
//  4. bytes per listing page, raw and gzipped;
//  5. paper pages/s over loopback with autocannon against the real server process.
import autocannon from 'autocannon';
import katex from 'katex';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { mathjax } from 'mathjax-full/js/mathjax.js';
import { TeX } from 'mathjax-full/js/input/tex.js';
import { SVG } from 'mathjax-full/js/output/svg.js';
import { liteAdaptor } from 'mathjax-full/js/adaptors/liteAdaptor.js';
import { RegisterHTMLHandler } from 'mathjax-full/js/handlers/html.js';
import { openDb } from '../db/client.ts';
import { importFile } from '../scripts/import.ts';
import { openSearch } from '../search/index.ts';
import { createApp } from '../server/app.ts';
import { mathStylesheet, typeset, TEX_PACKAGES } from '../server/math/typeset.ts';
import { MathService } from '../server/math/service.ts';
import { benchCorpus } from './corpus.ts';
import { splitTeX } from '../lib/tex.ts';
import { startServer, tempDir } from '../tests/helpers.ts';

const { values } = parseArgs({
  options: {
    formulas: { type: 'string', default: '3000' },
    seconds: { type: 'string', default: '15' },
    connections: { type: 'string', default: '32' },
    samples: { type: 'string', default: '400' },
  },
});
const N = Number(values.formulas);
const SAMPLES = Number(values.samples);

let seed = 7;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
function shuffle<T>(xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const f = (x: number, d = 2) => x.toFixed(d);
const lines: string[] = [];
const out = (s: string) => {
  lines.push(s);
  console.log(s);
};

const dir = tempDir('bench-pages-');
const dbPath = join(dir.path, 'papers.db');
let db = openDb(dbPath);
let t0 = performance.now();
await importFile(db, benchCorpus().path);
console.log(`imported the corpus in ${f((performance.now() - t0) / 1000, 1)} s`);

// ---------- 1. formulas ----------
const rows = db.sqlite.prepare('SELECT id, title, abstract FROM papers').all() as { id: string; title: string; abstract: string }[];
const distinct = new Map<string, { tex: string; display: boolean }>();
let occurrences = 0;
for (const r of rows) {
  for (const seg of [...splitTeX(r.title), ...splitTeX(r.abstract)]) {
    if (seg.kind !== 'math') continue;
    occurrences++;
    distinct.set((seg.display ? 'D:' : 'I:') + seg.tex, { tex: seg.tex, display: seg.display });
  }
}
const all = shuffle([...distinct.values()]);
const warm = all.slice(0, 50);
const sample = all.slice(50, 50 + N);
out(`Corpus: ${rows.length} papers, ${occurrences} formulas (${f(occurrences / rows.length)} per paper), ${distinct.size} distinct.`);

function measure(name: string, render: (tex: string, display: boolean) => { html: string; ok: boolean }) {
  for (const w of warm) render(w.tex, w.display);
  let bytes = 0;
  let failed = 0;
  const outputs: string[] = [];
  const start = performance.now();
  for (const s of sample) {
    const r = render(s.tex, s.display);
    bytes += r.html.length;
    outputs.push(r.html);
    if (!r.ok) failed++;
  }
  const ms = performance.now() - start;
  // Gzipped, in groups of 25 papers' worth of formulas (as a listing page sends them).
  const group = Math.max(1, Math.round(25 * (occurrences / rows.length)));
  let gz = 0;
  for (let i = 0; i < outputs.length; i += group) gz += gzipSync(outputs.slice(i, i + group).join(' ')).length;
  // Again on the same formulas: neither renderer caches results, so this is the warm (JIT-compiled) speed.
  const again = performance.now();
  for (const s of sample) render(s.tex, s.display);
  const warmMs = (performance.now() - again) / sample.length;
  return { name, perFormulaMs: ms / sample.length, warmMs, perSecond: (sample.length / ms) * 1000, avgBytes: bytes / sample.length, gzBytes: gz / sample.length, failed };
}

const chtmlResult = measure('MathJax CHTML (shipped)', (tex, display) => typeset(tex, display));
const chtmlCss = mathStylesheet();

const svgAdaptor = liteAdaptor();
RegisterHTMLHandler(svgAdaptor);
const svgDoc = mathjax.document('', {
  InputJax: new TeX({ packages: TEX_PACKAGES as string[], formatError: (_j: unknown, e: Error) => { throw e; } }),
  OutputJax: new SVG({ fontCache: 'none' }),
});
const svg = measure('MathJax SVG', (tex, display) => {
  try {
    return { html: svgAdaptor.outerHTML(svgDoc.convert(tex, { display })), ok: true };
  } catch {
    svgDoc.reset();
    return { html: tex, ok: false };
  }
});

const katexResult = measure('KaTeX renderToString', (tex, display) => {
  try {
    return { html: katex.renderToString(tex, { displayMode: display, throwOnError: true, trust: false, strict: 'ignore' }), ok: true };
  } catch {
    return { html: tex, ok: false };
  }
});

out('');
out(`Cold typesetting of ${sample.length} distinct real formulas (engine warmed on 50 others), one core:`);
out('');
out('| renderer | cold ms / formula | cold formulas / s | warm ms / formula | bytes / formula | gzipped bytes / formula | failed |');
out('|---|---:|---:|---:|---:|---:|---:|');
for (const r of [chtmlResult, svg, katexResult]) {
  out(`| ${r.name} | ${f(r.perFormulaMs, 3)} | ${f(r.perSecond, 0)} | ${f(r.warmMs, 3)} | ${f(r.avgBytes, 0)} | ${f(r.gzBytes, 0)} | ${r.failed} (${f((100 * r.failed) / sample.length)} %) |`);
}
out('');
out(
  `CHTML also needs, once per browser cache, its stylesheet for every glyph (${f(chtmlCss.length / 1024, 0)} KB, ${f(gzipSync(chtmlCss).length / 1024, 0)} KB gzipped) ` +
    `and the MathJax TeX web fonts it uses (woff, 1–41 KB each, ≈ 100 KB for Main + Math-Italic + AMS); SVG needs neither. KaTeX bytes include its MathML copy.`,
);

// ---------- 2. background pass ----------
t0 = performance.now();
const math = new MathService({ db });
const filled = math.fillNow();
const fillS = (performance.now() - t0) / 1000;
out('');
out(`Background pass (MathService.fillNow) over the whole corpus: ${filled} formulas in ${f(fillS, 1)} s = ${f(filled / fillS, 0)} formulas/s.`);

// ---------- 3. server time in process ----------
const search = await openSearch(db, { dataDir: dir.path });
const app = createApp({ db, search, math });
const ids = shuffle(rows.map((r) => r.id)).slice(0, SAMPLES);
async function time(url: string): Promise<{ ms: number; bytes: number; status: number }> {
  const s = performance.now();
  const res = await app.request(url);
  const body = await res.arrayBuffer();
  return { ms: performance.now() - s, bytes: body.byteLength, status: res.status };
}
for (const id of ids.slice(0, 20)) await time(`/arxiv/${id}`); // JIT warm-up (those 20 are then cached)
const coldPaper: number[] = [];
for (const id of ids.slice(20)) coldPaper.push((await time(`/arxiv/${id}`)).ms);
const warmPaper: number[] = [];
for (const id of ids.slice(20)) warmPaper.push((await time(`/arxiv/${id}`)).ms);

const relatedMs: number[] = [];
for (const id of ids.slice(20, 220)) relatedMs.push((await time(`/arxiv/${id}/related?fragment=1`)).ms);

const cats = ['cs.CV', 'cs.AI', 'cs.CL', 'cs.LG', 'astro-ph.GA', 'quant-ph', 'cond-mat.mtrl-sci', 'hep-th', 'math.RT', 'cs', 'cs.CL,cs.LG', 'cs.LG-cs.CV'];
const chunkMs: number[] = [];
const pageBytes: number[] = [];
const pageGzip: number[] = [];
const formulasPerPage: number[] = [];
for (let i = 0; i < SAMPLES; i++) {
  const cat = cats[i % cats.length];
  const offset = 25 * Math.floor(rand() * 20);
  const r = await time(`/arxiv/${cat}/chunk?offset=${offset}`);
  if (r.status !== 200) throw new Error(`chunk ${cat} ${offset}: ${r.status}`);
  chunkMs.push(r.ms);
}
for (const cat of cats) {
  const res = await app.request(`/arxiv/${cat}`);
  const html = await res.text();
  pageBytes.push(Buffer.byteLength(html));
  pageGzip.push(gzipSync(html).length);
  formulasPerPage.push((html.match(/class="math[ "]/g) ?? []).length);
}
out('');
out(`Server time in process (app.request, math cache filled, ${ids.length - 20} papers / ${SAMPLES} chunks):`);
out('');
out('| what | p50 ms | p90 ms | p99 ms |');
out('|---|---:|---:|---:|');
out(`| paper page, first view (full render) | ${f(pct(coldPaper, 50))} | ${f(pct(coldPaper, 90))} | ${f(pct(coldPaper, 99))} |`);
out(`| paper page, repeat view (page cache) | ${f(pct(warmPaper, 50), 3)} | ${f(pct(warmPaper, 90), 3)} | ${f(pct(warmPaper, 99), 3)} |`);
out(`| related-papers fragment, first view (search engine's related()) | ${f(pct(relatedMs, 50))} | ${f(pct(relatedMs, 90))} | ${f(pct(relatedMs, 99))} |`);
out(`| 25-paper listing chunk (12 listings, offsets 0–475) | ${f(pct(chunkMs, 50))} | ${f(pct(chunkMs, 90))} | ${f(pct(chunkMs, 99))} |`);
const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
out('');
out(
  `Bytes per listing page (first 25 papers, ${cats.length} listings): median ${f(pct(pageBytes, 50) / 1024, 0)} KB raw, ${f(pct(pageGzip, 50) / 1024, 0)} KB gzipped; ` +
    `${f(avg(formulasPerPage), 1)} formulas per page on average: ≈ ${f((avg(formulasPerPage) * chtmlResult.avgBytes) / 1024, 0)} KB of CHTML (${f((avg(formulasPerPage) * chtmlResult.gzBytes) / 1024, 1)} KB gzipped); as SVG they would be ≈ ${f((avg(formulasPerPage) * svg.avgBytes) / 1024, 0)} KB (${f((avg(formulasPerPage) * svg.gzBytes) / 1024, 1)} KB gzipped).`,
);
search.close();
db.sqlite.close();

// ---------- 4. throughput over loopback ----------
const server = await startServer({ DATA_DIR: dir.path }, 180_000);
const urls = ids.map((id) => `/arxiv/${id}`);
const result = await autocannon({
  url: server.url,
  connections: Number(values.connections),
  duration: Number(values.seconds),
  requests: [
    {
      method: 'GET',
      setupRequest: (req) => ({ ...req, path: urls[Math.floor(rand() * urls.length)] }),
    },
  ],
});
await server.stop();
out('');
out(
  `Throughput, paper pages over loopback (autocannon, ${values.connections} connections, ${values.seconds} s, ${urls.length} distinct papers, real server process): ` +
    `${f(result.requests.average, 0)} req/s average, latency p50 ${result.latency.p50} ms / p99 ${result.latency.p99} ms, ` +
    `${result.errors} errors, ${result.non2xx} non-2xx, ${result.timeouts} timeouts.`,
);
db = openDb(dbPath);
db.sqlite.close();
dir.cleanup();
console.log('\n---- markdown ----\n' + lines.join('\n'));
