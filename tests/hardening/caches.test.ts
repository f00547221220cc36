// Caches bounded in bytes, filled with hostile keys: the page cache, the
// listing cache, the font route and the limiters stay within their budgets,
// and deep offsets are refused before any ranking work.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createApp } from '../../server/app.ts';
import { MAX_CACHE_KEY, PageCache } from '../../server/routes/page-util.ts';
import { allInSelection, listCacheBytes } from '../../db/listings.ts';
import { MiniSearchEngine } from '../../search/minisearch.ts';
import { MAX_OFFSET } from '../../search/sort.ts';
import { tempDir } from '../helpers.ts';
import { seedDb, type Seeded } from '../pages/fixture.ts';

let dir: ReturnType<typeof tempDir>;
let seed: Seeded;

before(async () => {
  dir = tempDir('hardening-caches-');
  seed = await seedDb(dir.path, 30);
});
after(() => {
  seed?.db.sqlite.close();
  dir?.cleanup();
});

test('the page cache stays within its bytes under 5,000 hostile keys with 20 KB pages; over-long keys are never kept', async () => {
  const budget = 2 * 1024 * 1024;
  const cache = new PageCache(seed.db, budget);
  const page = 'x'.repeat(20_000);
  let renders = 0;
  const render = async () => {
    renders++;
    return { html: page, pending: 0 };
  };
  for (let i = 0; i < 5000; i++) await cache.getAsync(`/arxiv/search?q=${i}&junk=${'%'.repeat(i % 300)}`, render);
  assert.ok(cache.bytes > 0 && cache.bytes <= budget, `${cache.bytes} bytes`);
  // The most recent key is still served from the cache; the first was evicted.
  const before = renders;
  await cache.getAsync(`/arxiv/search?q=4999&junk=${'%'.repeat(4999 % 300)}`, render);
  assert.equal(renders, before, 'recent page kept');
  await cache.getAsync('/arxiv/search?q=0&junk=', render);
  assert.equal(renders, before + 1, 'oldest page evicted');
  const long = `/k/${'a'.repeat(MAX_CACHE_KEY)}`;
  await cache.getAsync(long, render);
  await cache.getAsync(long, render);
  assert.equal(renders, before + 3, 'a key over the limit is rendered each time');
  // One page bigger than the whole budget is served but not kept.
  const huge = new PageCache(seed.db, 100_000);
  await huge.getAsync('/big', async () => ({ html: 'y'.repeat(200_000), pending: 0 }));
  assert.equal(huge.bytes, 0);
});

test('the listing cache of whole selections is bounded in bytes however many selections are asked for', () => {
  const cats = ['cs.LG', 'cs.CL', 'cs.AI', 'cs.CV', 'stat.ML', 'math.OC', 'cs.CR', 'cs.IR'];
  for (let i = 0; i < 3000; i++) {
    const include = cats.filter((_, j) => (i >> j) & 1);
    allInSelection(seed.db, { include: include.length ? include : ['cs.LG'], exclude: [] }, `2026-0${1 + (i % 9)}-${String(1 + (i % 28)).padStart(2, '0')}`);
  }
  assert.ok(listCacheBytes() > 0 && listCacheBytes() <= 48 * 1024 * 1024, `${listCacheBytes()} bytes`);
});

test('the font route answers 404 for names it does not ship (10,000 made-up names) and still serves the real ones', async () => {
  const app = createApp({ db: seed.db });
  const css = await (await app.request('/math/mathjax.css')).text();
  const real = /MathJax_[A-Za-z0-9-]+\.woff/.exec(css)![0];
  assert.equal((await app.request(`/math/fonts/${real}`)).status, 200);
  // Names are checked against the list MathJax ships before any file is read or anything is kept.
  for (let i = 0; i < 10_000; i++) assert.equal((await app.request(`/math/fonts/MathJax_Fake-${i}${'Z'.repeat(i % 200)}.woff`)).status, 404);
  assert.equal((await app.request(`/math/fonts/${real}`)).status, 200, 'the real font still served after the flood');
});

test(`offsets past ${MAX_OFFSET} are a 400 that says to narrow the query, on the API and the page, before any ranking`, async () => {
  const app = createApp({ db: seed.db, search: MiniSearchEngine.build(seed.db) });
  const api = await app.request(`/api/search?q=learning&page=${MAX_OFFSET / 10 + 2}&size=10`);
  assert.equal(api.status, 400);
  assert.match((await api.json()).error, /narrow the query/);
  const page = await app.request(`/arxiv/search?query=learning&offset=${MAX_OFFSET + 25}`);
  assert.equal(page.status, 400);
  assert.match(await page.text(), /narrow the query/);
  assert.equal((await app.request(`/api/search?q=learning&page=2&size=10`)).status, 200);
  assert.equal((await app.request(`/arxiv/search?query=learning&offset=${MAX_OFFSET}`)).status, 200);
});

test('HSTS is sent only when PUBLIC_ORIGIN is https, without includeSubDomains', async () => {
  const plain = await createApp({ db: seed.db }).request('/healthz');
  assert.equal(plain.headers.get('strict-transport-security'), null);
  const http = await createApp({ db: seed.db, publicOrigin: 'http://papers.example.org' }).request('/healthz');
  assert.equal(http.headers.get('strict-transport-security'), null);
  const https = await createApp({ db: seed.db, publicOrigin: 'https://papers.example.org' }).request('/healthz');
  assert.equal(https.headers.get('strict-transport-security'), 'max-age=31536000');
});
