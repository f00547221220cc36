// The search API on a real server (127.0.0.1) over the real corpus, once per
// engine: query language, highlights, bad input, related papers, lookups and
// live updates from another process' writes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import fc from 'fast-check';
import { openDb, type Db } from '../../db/client.ts';
import { ingestBatch } from '../../db/queries.ts';
import { monthFromId, type Paper } from '../../db/paper.ts';
import { importFile } from '../../scripts/import.ts';
import { splitMath } from '../../search/highlight.ts';
import { escapeHtml } from '../../lib/html.ts';
import { CORPUS, startServer, tempDir, threadNices, type RunningServer } from '../helpers.ts';
import { MATH_THREAD_NICE } from '../../server/math/thread.ts';

type Engine = 'minisearch' | 'fts5';
let dir: ReturnType<typeof tempDir>;
let db: Db;
const servers = {} as Record<Engine, RunningServer>;

before(async () => {
  dir = tempDir('search-api-');
  db = openDb(join(dir.path, 'papers.db'));
  await importFile(db, CORPUS, {});
  // Both servers share the database, as a crawler and a server would.
  servers.fts5 = await startServer({ DATA_DIR: dir.path, SEARCH_ENGINE: 'fts5', SEARCH_SYNC_MS: '1000' }, 120_000);
  servers.minisearch = await startServer({ DATA_DIR: dir.path, SEARCH_ENGINE: 'minisearch', SEARCH_SYNC_MS: '1000' }, 300_000);
});

after(async () => {
  await Promise.all(Object.values(servers).map((s) => s?.stop()));
  db?.sqlite.close();
  dir?.cleanup();
});

interface Hit {
  id: string;
  title: string;
  authors: string[];
  categories: string[];
  published: string | null;
  score: number;
  highlights: { title?: string; abstract?: string };
}
interface SearchBody {
  query: string;
  total: number;
  tookMs: number;
  results: Hit[];
  error?: string;
}

async function get(engine: Engine, path: string): Promise<{ status: number; body: SearchBody & Record<string, unknown> }> {
  const res = await fetch(`${servers[engine].url}${path}`);
  const body = (await res.json()) as SearchBody & Record<string, unknown>;
  return { status: res.status, body };
}

const search = (engine: Engine, q: string, extra = '') => get(engine, `/api/search?q=${encodeURIComponent(q)}${extra}`);
const unmark = (html: string) => html.replace(/<\/?mark>/g, '');

for (const engine of ['minisearch', 'fts5'] as const) {
  test(`${engine}: query language over HTTP`, async () => {
    const plain = await search(engine, 'quantized attention', '&size=5');
    assert.equal(plain.status, 200);
    assert.ok(plain.body.total > 0 && plain.body.results.length === 5);
    assert.equal(typeof plain.body.tookMs, 'number');

    const filtered = await search(engine, '"large language models" cat:cs.CL year:2025', '&size=50');
    assert.ok(filtered.body.total > 0);
    for (const r of filtered.body.results) {
      assert.ok(r.categories.includes('cs.CL'), r.id);
      assert.ok((r.published ?? monthFromId(r.id) ?? '').startsWith('2025'), `${r.id} ${r.published}`);
    }
    const archive = await search(engine, 'cat:astro-ph galaxy', '&size=50');
    assert.ok(archive.body.results.length > 0, 'astro-ph papers about galaxies exist in the sample');
    for (const r of archive.body.results) assert.ok(r.categories.some((c) => c.startsWith('astro-ph')), r.id);

    const excluded = await search(engine, 'diffusion -image', '&size=100');
    const withImages = await search(engine, 'diffusion', '&size=1');
    assert.ok(excluded.body.results.length > 0 && excluded.body.total < withImages.body.total, 'the exclusion removes some, not all');
    for (const r of excluded.body.results) assert.ok(!/\bimages?\b/i.test(unmark(r.highlights.title ?? r.title)), r.id);

    const author = await search(engine, 'au:streinu', '&size=10');
    assert.ok(author.body.results.some((r) => r.authors.some((a) => /streinu/i.test(a))));

    for (const q of ['2601.07180', 'arXiv:2601.07180v2', 'https://arxiv.org/abs/2601.07180', 'acc-phys/9411001']) {
      const r = await search(engine, q);
      assert.equal(r.body.results[0]?.id, q.includes('acc-phys') ? 'acc-phys/9411001' : '2601.07180', q);
    }

    // Pages walk past 1000 hits: nothing is cut off.
    const broad = await search(engine, 'model', '&size=100&page=11');
    assert.ok(broad.body.total > 1100, String(broad.body.total));
    assert.equal(broad.body.results.length, 100);
  });

  test(`${engine}: highlights are escaped text with <mark>, formulas left whole`, async () => {
    const r = await search(engine, 'complexity bound', '&size=100');
    assert.ok(r.body.results.length > 10, `${r.body.results.length} results`);
    let formulas = 0;
    for (const hit of r.body.results) {
      for (const html of [hit.highlights.title, hit.highlights.abstract]) {
        if (!html) continue;
        assert.ok(html.includes('<mark>'), hit.id);
        assert.ok(!/<(?!\/?mark>)/.test(html), `${hit.id}: unescaped tag`);
        for (const seg of splitMath(html)) {
          if (seg.math) {
            formulas++;
            assert.ok(!seg.text.includes('<mark>'), `${hit.id}: mark inside ${seg.text}`);
          }
        }
      }
      if (hit.highlights.title) assert.equal(unmark(hit.highlights.title), escapeHtml(hit.title));
    }
    assert.ok(formulas > 0, 'expected some abstracts with formulas');
  });

  test(`${engine}: bad input is a 200 with nothing or a 400 with a message, never a 500`, async () => {
    assert.deepEqual([(await search(engine, '')).status, (await search(engine, '')).body.total], [200, 0]);
    assert.deepEqual([(await search(engine, 'the of and')).status, (await search(engine, 'the of and')).body.total], [200, 0]);
    const long = await search(engine, 'graph '.repeat(2000));
    assert.equal(long.status, 400);
    assert.match(String(long.body.error), /too long/);
    const quote = await search(engine, '"unbalanced quote');
    assert.equal(quote.status, 400);
    assert.match(String(quote.body.error), /quote/);
    assert.equal((await search(engine, '\u0001graph\u0007 neural\u0000')).status, 200);
    // Past the last match: an empty page; past MAX_OFFSET: a 400 asking for a narrower query (no ranking work done).
    const past = await search(engine, 'graph neural', '&page=90&size=100');
    assert.equal(past.status, 200);
    assert.equal(past.body.results.length, 0);
    assert.ok(past.body.total > 0 && past.body.total < 9000, String(past.body.total));
    const deep = await search(engine, 'graph neural', '&page=100000');
    assert.equal(deep.status, 400);
    assert.match(String(deep.body.error), /narrow the query/);
    for (const bad of ['&size=-1', '&size=1000000000', '&size=0', '&page=0', '&page=abc', '&size=1.5']) {
      const r = await search(engine, 'graph', bad);
      assert.equal(r.status, 400, bad);
      assert.match(String(r.body.error), /size|page/, bad);
    }
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 80 }), async (q) => {
        const r = await search(engine, q, '&size=3');
        assert.ok(r.status === 200 || r.status === 400, `${JSON.stringify(q)} -> ${r.status}`);
      }),
      { numRuns: 60 },
    );
  });

  test(`${engine}: related papers by id and by text`, async () => {
    const a = await get(engine, '/api/papers/2601.07180/related?size=5');
    assert.equal(a.status, 200);
    const terms = a.body.terms as string[];
    const results = a.body.results as unknown as { id: string; terms: string[] }[];
    assert.ok(terms.length >= 5, JSON.stringify(terms));
    assert.equal(results.length, 5);
    assert.ok(!results.some((r) => r.id === '2601.07180'));
    assert.deepEqual((await get(engine, '/api/papers/2601.07180/related?size=5')).body.results, results);
    assert.equal((await get(engine, '/api/papers/acc-phys/9411001/related')).status, 200);
    assert.equal((await get(engine, '/api/papers/0000.00000/related')).status, 404);
    assert.equal((await get(engine, '/api/papers/2601.07180/related?size=-1')).status, 400);
    const t = await get(engine, `/api/related?q=${encodeURIComponent('dark matter halo density profiles from weak lensing')}`);
    assert.equal(t.status, 200);
    assert.ok((t.body.results as unknown[]).length > 0);
    assert.equal((await get(engine, '/api/related?q=')).status, 200);
  });
}

test('both engines: papers written by another connection are searchable within 10 s', async () => {
  const fresh: Paper = {
    id: '2611.99123', version: 1, title: 'Glorbulent transport in frabjous plasmas',
    abstract: 'We measure glorbulent transport with $\\mathcal{O}(1)$ frabjous corrections.', authors: ['Live Update'],
    categories: ['physics.plasm-ph'], published: '2026-11-25', updated: null, comments: null, journalRef: null, doi: null, license: null,
  };
  ingestBatch(db, { papers: [fresh] });
  const t0 = Date.now();
  for (const engine of ['minisearch', 'fts5'] as const) {
    for (;;) {
      const r = await search(engine, 'glorbulent frabjous');
      if (r.body.results[0]?.id === fresh.id) break;
      assert.ok(Date.now() - t0 < 10_000, `${engine} did not see the new paper within 10 s`);
      await new Promise((res) => setTimeout(res, 200));
    }
  }
});

test('minisearch: pages are served while the index thread works through a backlog of queries', async () => {
  const base = servers.minisearch.url;
  const ids = db.sqlite.prepare('SELECT id FROM papers ORDER BY rowid LIMIT 300 OFFSET 1000').pluck().all() as string[];
  // Each related-papers question is a long text (ten abstracts, 6,000 characters: the address stays under 16 KB), which
  // costs the index thread several milliseconds: 300 of them queue there, enough that a busy machine
  // (the other test files) still leaves the page a wide margin.
  const abstracts = db.sqlite.prepare('SELECT abstract FROM papers ORDER BY rowid LIMIT 400').pluck().all() as string[];
  const texts = ids.map((_, i) => abstracts.slice(i % 390, (i % 390) + 10).join(' ').slice(0, 6000));
  // The page itself is rendered (and typeset) once first, so what is timed is the request loop, not MathJax.
  assert.equal((await fetch(`${base}/arxiv/${ids[0]}`)).status, 200);
  const t0 = performance.now();
  const related = texts.map((text) =>
    fetch(`${base}/api/related?size=100&q=${encodeURIComponent(text)}`).then(async (r) => {
      assert.equal(r.status, 200);
      await r.arrayBuffer();
      return performance.now() - t0;
    }),
  );
  const page = fetch(`${base}/arxiv/${ids[0]}`).then(async (r) => {
    assert.equal(r.status, 200);
    await r.arrayBuffer();
    return performance.now() - t0;
  });
  const [pageMs, relatedMs] = await Promise.all([page, Promise.all(related)]);
  const lastRelated = Math.max(...relatedMs);
  // A request loop that blocked on each search (SEARCH_WORKER=off, or the
  // worker waited on with Atomics) answers the page, asked last, after all of them.
  assert.ok(pageMs < lastRelated, `page at ${pageMs.toFixed(0)} ms, last related answer at ${lastRelated.toFixed(0)} ms`);
});

test('the server typesets in its math thread: /api/math answers, and new formulas on a paper page arrive for the next reader', async () => {
  const base = servers.minisearch.url;
  const nices = threadNices(servers.minisearch.proc.pid!);
  assert.equal(nices.filter((n) => n === MATH_THREAD_NICE).length, 1, `thread priorities ${nices.join(' ')}`);
  const one = (await (await fetch(`${base}/api/math?tex=${encodeURIComponent('\\sum_{k=1}^{77} k^{2}')}&display=1`)).json()) as { ok: boolean; html: string };
  assert.ok(one.ok && one.html.includes('mjx-container') && one.html.includes('math-display'), one.html);
  // A paper with formulas no page has shown yet: the first view may send some as
  // source (the thread had its budget), but the thread typesets them all for the next.
  const id = db.sqlite.prepare("SELECT id FROM papers WHERE abstract LIKE '%$%$%$%$%' ORDER BY rowid DESC LIMIT 1").pluck().get() as string;
  assert.ok(id);
  let html = '';
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
    html = await (await fetch(`${base}/arxiv/${id}`)).text();
    if (!html.includes('math-pending')) break;
  }
  assert.doesNotMatch(html, /math-pending/);
  assert.ok((html.match(/mjx-container/g) ?? []).length >= 2, 'formulas typeset');
});
