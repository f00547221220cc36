// Who may change state or spend: admin endpoints need ADMIN_TOKEN (and are
// off without one), no GET changes what the site holds, and every kind of
// response carries the security headers. Real SQLite file, real app, a real
// scheduler crawling the arXiv fixture server on 127.0.0.1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { openDb, type Db } from '../../db/client.ts';
import { createApp } from '../../server/app.ts';
import { buildAssets, type Asset } from '../../server/assets.ts';
import { MiniSearchEngine } from '../../search/minisearch.ts';
import { Translator } from '../../server/translate.ts';
import { startScheduler } from '../../scripts/crawler/scheduler.ts';
import { startFixtureServer } from '../../scripts/fixture-server.ts';
import { tempDir } from '../helpers.ts';
import { seedDb, HOSTILE, DAY1, DAY2, type Seeded } from '../pages/fixture.ts';

let dir: ReturnType<typeof tempDir>;
let seed: Seeded;
let assets: Map<string, Asset>;

before(async () => {
  dir = tempDir('hardening-access-');
  seed = await seedDb(dir.path, 30);
  assets = await buildAssets();
});
after(() => {
  seed?.db.sqlite.close();
  dir?.cleanup();
});

const TOKEN = 'a-long-admin-token-0123456789';

test('without ADMIN_TOKEN the admin endpoints are disabled (403), whatever is sent', async () => {
  const app = createApp({ db: seed.db });
  for (const [method, path] of [
    ['GET', '/api/admin/status'],
    ['POST', '/api/admin/crawl'],
    ['POST', '/api/admin/anything'],
  ] as const) {
    for (const auth of [undefined, 'Bearer ', `Bearer ${TOKEN}`, 'Bearer undefined']) {
      const r = await app.request(path, { method, headers: auth ? { authorization: auth } : {} });
      assert.equal(r.status, 403, `${method} ${path} ${auth}`);
      assert.match((await r.json()).error, /disabled/);
    }
  }
});

test('with ADMIN_TOKEN: no or wrong token is 401, repeated guessing is 429, the token opens status and crawl', async () => {
  const fixture = await startFixtureServer({});
  const db = openDb(`${dir.path}/crawl.db`);
  const logs: string[] = [];
  const scheduler = startScheduler({
    db,
    categories: ['cs.LG'],
    intervalMs: 3_600_000,
    log: (l) => logs.push(l),
    config: {
      rssUrl: `${fixture.url}/rss`, apiUrl: `${fixture.url}/api/query`, oaiUrl: `${fixture.url}/oai`,
      delayMs: 5, timeoutMs: 2000, maxAttempts: 2, backoffMs: 10, maxRetryAfterMs: 1000, userAgent: 'papers-hardening-test',
    },
  });
  try {
    const app = createApp({ db, adminToken: TOKEN, crawlerStatus: () => scheduler.status(), crawlNow: () => scheduler.runNow(0) });
    // The scheduler's first round runs at start; wait for it.
    while (scheduler.status().lastRunAt === null) await new Promise((r) => setTimeout(r, 20));
    const before = fixture.requests.length;

    const none = await app.request('/api/admin/crawl', { method: 'POST' });
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /Bearer/);
    for (const wrong of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Basic ${TOKEN}`, TOKEN, `Bearer  `]) {
      const r = await app.request('/api/admin/crawl', { method: 'POST', headers: { authorization: wrong } });
      assert.equal(r.status, 401, wrong);
    }
    assert.equal(fixture.requests.length, before, 'refused requests start no crawl');

    const status = await app.request('/api/admin/status', { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(status.status, 200);
    const body = (await status.json()) as { papers: number; crawler: { enabled: boolean } };
    assert.equal(body.crawler.enabled, true);
    assert.ok(body.papers > 0);

    const started = await app.request('/api/admin/crawl', { method: 'POST', headers: { authorization: `bearer ${TOKEN}` } });
    assert.equal(started.status, 202);
    const again = await app.request('/api/admin/crawl', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(again.status, 409, 'one round at a time');
    const lastRun = scheduler.status().lastRunAt!;
    while (scheduler.status().lastRunAt === lastRun || scheduler.status().running) await new Promise((r) => setTimeout(r, 20));
    assert.ok(fixture.requests.length > before, 'the triggered round asked the (fixture) arXiv');

    // A GET on the trigger changes nothing.
    const get = await app.request('/api/admin/crawl', { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(get.status, 404);

    // Guessing: 20 wrong tokens per client per window, then 429 even for more guesses.
    let limited = 0;
    for (let i = 0; i < 25; i++) {
      const r = await app.request('/api/admin/status', { headers: { authorization: `Bearer guess-${i}` } });
      if (r.status === 429) limited++;
      else assert.equal(r.status, 401);
    }
    assert.ok(limited >= 5, `guessing is rate-limited (${limited} refused)`);
  } finally {
    await scheduler.stop();
    db.sqlite.close();
    await fixture.close();
  }
});

test('the minimum gap between triggered crawls is enforced with Retry-After', async () => {
  const fixture = await startFixtureServer({});
  const db = openDb(`${dir.path}/gap.db`);
  const scheduler = startScheduler({
    db, categories: ['cs.AI'], intervalMs: 3_600_000,
    config: {
      rssUrl: `${fixture.url}/rss`, apiUrl: `${fixture.url}/api/query`, oaiUrl: `${fixture.url}/oai`,
      delayMs: 5, timeoutMs: 2000, maxAttempts: 2, backoffMs: 10, maxRetryAfterMs: 1000, userAgent: 'papers-hardening-test',
    },
  });
  try {
    const app = createApp({ db, adminToken: TOKEN, crawlNow: () => scheduler.runNow(60_000) });
    while (scheduler.status().lastRunAt === null) await new Promise((r) => setTimeout(r, 20));
    const r = await app.request('/api/admin/crawl', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(r.status, 429);
    assert.ok(Number(r.headers.get('retry-after')) > 0);
    // Without a crawler in this process the trigger says so.
    const noCrawler = createApp({ db, adminToken: TOKEN });
    assert.equal((await noCrawler.request('/api/admin/crawl', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } })).status, 409);
  } finally {
    await scheduler.stop();
    db.sqlite.close();
    await fixture.close();
  }
});

/** Everything the site holds, except caches of derived text (typeset formulas). */
function stateDigest(db: Db): string {
  const h = createHash('sha256');
  for (const table of ['papers', 'paper_categories', 'announcements', 'crawl_state', 'translations']) {
    for (const row of db.sqlite.prepare(`SELECT * FROM ${table} ORDER BY 1, 2`).raw().all()) h.update(JSON.stringify(row));
  }
  return h.digest('hex');
}

/** One address from every page family. */
function everyFamily(s: Seeded): string[] {
  const id = s.day2[0];
  return [
    '/', '/healthz', '/arxiv/cs.LG', `/arxiv/cs.LG?date=${DAY1}`, `/arxiv/cs.LG,cs.CL?date=${DAY2}&sort=keywords&kw=model`,
    '/arxiv/cs.LG/chunk?offset=25', '/arxiv/cs.LG/feed', '/api/arxiv/cs.LG', '/arxiv?cs.LG=in&cs.CL=out', '/api/categories',
    '/arxiv/search?query=language+models', '/arxiv/search/chunk?query=model&offset=25', '/arxiv/search/feed?query=model',
    '/api/arxiv/search?query=model', '/api/search?q=model', '/api/related?q=language+models',
    `/arxiv/${id}`, `/arxiv/${id}/related`, `/arxiv/${id}/related?fragment=1`, `/api/arxiv/${id}`, `/api/papers/${id}`,
    `/api/papers/${id}/related`, `/abs/${id}`, `/pdf/${id}.pdf`, `/arxiv/${HOSTILE.script}`, `/stars?ids=${id}`, `/api/stars?ids=${id}`,
    '/demos', '/api/demos', '/math/mathjax.css', '/static/site.js', '/static/site.css', '/static/nope.js',
    '/api/translate/status', '/nope', '/api/nope', '/arxiv/9999.99999', '/arxiv/no.such', '/arxiv/search?query=%22unclosed',
    '/api/search?q=a&size=0', '/api/admin/status', '/arxiv/search?query=' + 'a'.repeat(17_000),
  ];
}

test('no GET changes what the site holds, on any page family, with or without a token', async () => {
  const search = MiniSearchEngine.build(seed.db);
  const app = createApp({ db: seed.db, search, assets, adminToken: TOKEN, translator: new Translator(seed.db, null) });
  const before = stateDigest(seed.db);
  for (const path of everyFamily(seed)) {
    for (const headers of [{}, { authorization: `Bearer ${TOKEN}` }] as Record<string, string>[]) {
      const r = await app.request(path, { headers });
      assert.ok(r.status < 500, `${path}: ${r.status}`);
      await r.arrayBuffer();
    }
  }
  assert.equal(stateDigest(seed.db), before);
  // The state-changing translation endpoints refuse GET.
  for (const path of ['/api/translate', `/api/translate/${seed.day2[0]}`]) assert.equal((await app.request(path)).status, 404, path);
});

test('every page family carries CSP (own scripts only), nosniff and a referrer policy', async () => {
  const search = MiniSearchEngine.build(seed.db);
  const app = createApp({ db: seed.db, search, assets });
  const seen = new Set<number>();
  for (const path of everyFamily(seed)) {
    const r = await app.request(path);
    seen.add(r.status);
    const csp = r.headers.get('content-security-policy') ?? '';
    const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1]?.trim();
    assert.equal(scriptSrc, "'self'", `${path}: script-src ${scriptSrc}`);
    assert.match(csp, /object-src 'none'/, path);
    assert.match(csp, /frame-ancestors 'none'/, path);
    assert.match(csp, /base-uri 'self'/, path);
    assert.doesNotMatch(csp, /unsafe-eval/, path);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff', path);
    assert.equal(r.headers.get('referrer-policy'), 'strict-origin-when-cross-origin', path);
    assert.ok(r.headers.get('x-frame-options'), path);
    await r.arrayBuffer();
  }
  // The list really covered successes, redirects, refusals and misses.
  for (const s of [200, 301, 302, 400, 403, 404, 414]) assert.ok(seen.has(s), `no ${s} among ${[...seen]}`);
});
