// Spend by other sites and spend at scale: translation (which costs the
// operator money) only for this site's own pages, one paper per provider
// request, one request per paper however many ask, a daily cap, a language
// allow-list, counters bounded in bytes, wrong tokens counted on every route.
// Real SQLite file, real app over HTTP on 127.0.0.1, a fake provider, and a
// real Chromium for the cross-site attempt.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../server/app.ts';
import { DailyCapError, protectMath, translatorFromEnv } from '../../server/translate.ts';
import { RateLimiter } from '../../server/routes/page-util.ts';
import { TokenBucket } from '../../server/routes/guard.ts';
import { getTranslation, putTranslation } from '../../db/listings.ts';
import { launchChromium, tempDir } from '../helpers.ts';
import { seedDb, type Seeded } from '../pages/fixture.ts';
import { startPagesServer } from '../pages/server.ts';
import { startStubLlm, type StubLlm } from '../pages/stub-llm.ts';

let dir: ReturnType<typeof tempDir>;
let seed: Seeded;
let llm: StubLlm;

before(async () => {
  dir = tempDir('hardening-spend-');
  seed = await seedDb(dir.path, 30);
  llm = await startStubLlm();
});
after(async () => {
  await llm?.close();
  seed?.db.sqlite.close();
  dir?.cleanup();
});

const TOKEN = 'spend-admin-token-0123456789';
const env = () => ({ TRANSLATE_API_URL: llm.url, TRANSLATE_MODEL: 'stub' });
const fresh = (n: number, skip = 0) => seed.papers.filter((p) => !/[<>]/.test(p.title)).slice(skip, skip + n);
const clear = () => seed.db.sqlite.prepare('DELETE FROM translations').run();

test('writes from other sites are refused before any work: foreign Origin or Sec-Fetch-Site 403, non-JSON bodies 415', async () => {
  const app = createApp({ db: seed.db, translator: translatorFromEnv(seed.db, env()), adminToken: TOKEN });
  const ids = fresh(1).map((p) => p.id);
  const before = llm.requests.length;
  const post = (headers: Record<string, string>, body = JSON.stringify({ ids })) =>
    app.request('http://site.test/api/translate', { method: 'POST', headers, body });
  assert.equal((await post({ 'content-type': 'application/json', origin: 'http://evil.example' })).status, 403);
  assert.equal((await post({ 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' })).status, 403);
  assert.equal((await post({ 'content-type': 'application/json', 'sec-fetch-site': 'same-site' })).status, 403);
  assert.equal((await post({ 'content-type': 'text/plain' })).status, 415);
  assert.equal((await post({ 'content-type': 'application/x-www-form-urlencoded' }, 'ids=1')).status, 415);
  assert.equal((await app.request('http://site.test/api/admin/crawl', { method: 'POST', headers: { origin: 'http://evil.example', authorization: `Bearer ${TOKEN}` } })).status, 403);
  assert.equal(llm.requests.length, before, 'the provider was never asked');
  // The site's own page (same origin, JSON) gets through.
  const ok = await post({ 'content-type': 'application/json', origin: 'http://site.test', 'sec-fetch-site': 'same-origin' });
  assert.equal(ok.status, 200, await ok.text());
  assert.equal(llm.requests.length, before + 1);
});

test('in Chromium, a page on another loopback port cannot make the reader\'s browser spend (no-cors fetch, form post); the site\'s own page can', async () => {
  clear();
  const site = await startPagesServer(seed.db, { env: env() });
  const ids = fresh(2, 3).map((p) => p.id);
  const evil = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><form id="f" method="post" action="${site.url}/api/translate" enctype="text/plain">
      <input name='{"ids":["${ids[0]}"],"x":"' value='"}'></form>
      <script>
        fetch(${JSON.stringify(site.url + '/api/translate')}, { method: 'POST', mode: 'no-cors', body: JSON.stringify({ ids: ${JSON.stringify(ids)} }) })
          .catch(() => {}).finally(() => { document.title = 'sent'; });
        fetch(${JSON.stringify(site.url + '/api/translate/' + ids[1])}, { method: 'POST', mode: 'no-cors' }).catch(() => {});
      </script>`);
  });
  await new Promise<void>((r) => evil.listen(0, '127.0.0.1', () => r()));
  const evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}/`;
  const browser = await launchChromium();
  try {
    const before = llm.requests.length;
    const page = await browser.newPage();
    await page.goto(evilUrl);
    await page.waitForFunction(() => document.title === 'sent');
    const [formAnswer] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/translate') && r.request().method() === 'POST' && r.request().resourceType() === 'document'),
      page.evaluate(() => (document.getElementById('f') as HTMLFormElement).submit()),
    ]);
    assert.equal(formAnswer.status(), 403, 'the form post is refused');
    assert.equal(llm.requests.length, before, 'no provider request from another site');
    assert.equal(getTranslation(seed.db, ids[0], seed.papers.find((p) => p.id === ids[0])!.version, 'zh'), null);
    // Control: the same request from the site's own page is served, so the refusal above is the guard's doing.
    const own = await browser.newPage();
    await own.goto(`${site.url}/arxiv/${ids[0]}`);
    const status = await own.evaluate(async (id) => {
      const r = await fetch('/api/translate', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ids: [id] }) });
      return r.status;
    }, ids[0]);
    assert.equal(status, 200);
    assert.equal(llm.requests.length, before + 1);
  } finally {
    await browser.close();
    await site.close();
    await new Promise<void>((r) => evil.close(() => r()));
  }
});

test('one paper per provider request; concurrent readers of one paper cause one request', async () => {
  clear();
  const tr = translatorFromEnv(seed.db, env());
  const papers = fresh(3, 6);
  const before = llm.requests.length;
  const [a, b] = await Promise.all([tr.translate(papers, 'zh'), tr.translate([papers[0]], 'zh')]);
  assert.equal(a.size, 3);
  assert.equal(b.get(papers[0].id)?.title, a.get(papers[0].id)?.title);
  const sent = llm.requests.slice(before);
  assert.equal(sent.length, 3, 'one request per paper, the shared one not repeated');
  const firstSentence = (p: (typeof papers)[number]) => protectMath(p.title).sentences[0];
  assert.deepEqual(
    sent.map((r) => r.texts[0]).sort(),
    papers.map(firstSentence).sort(),
    'each request starts with one paper\'s title',
  );
  for (const [i, r] of sent.entries()) {
    const p = papers.find((q) => firstSentence(q) === r.texts[0])!;
    const n = protectMath(p.title).sentences.length + protectMath(p.abstract).sentences.length;
    assert.equal(r.texts.length, n, `request ${i} holds that paper's sentences and nothing else`);
  }
});

test('the daily cap counts what was stored today across restarts and refuses past it; languages outside the list are 400', async () => {
  clear();
  const p = fresh(3, 10);
  putTranslation(seed.db, 'x.0001', 1, 'zh', { title: 't', abstract: 'a' });
  const tr = translatorFromEnv(seed.db, { ...env(), TRANSLATE_DAILY_MAX: '3' });
  assert.equal(tr.remainingToday(), 2);
  await tr.translate([p[0]], 'zh');
  await assert.rejects(tr.translate([p[1], p[2]], 'zh'), DailyCapError);
  await tr.translate([p[1]], 'zh');
  await assert.rejects(tr.translate([p[2]], 'zh'), DailyCapError);
  assert.ok(await tr.translate([p[0]], 'zh'), 'cached papers stay free past the cap');
  const app = createApp({ db: seed.db, translator: tr });
  const capped = await app.request(`/api/translate/${p[2].id}`, { method: 'POST' });
  assert.equal(capped.status, 429);
  assert.match((await capped.json()).error, /tomorrow/);
  for (const lang of ['xx', 'en-evil', '../zh', 'zh;drop']) {
    const r = await app.request(`/api/translate/${p[0].id}?lang=${encodeURIComponent(lang)}`, { method: 'POST' });
    assert.equal(r.status, 400, lang);
  }
  assert.equal((await app.request(`/api/translate/${p[0].id}?lang=ZH`, { method: 'POST' })).status, 200);
});

test('wrong bearer tokens count on the translation route too; the admin purge drops a cached translation', async () => {
  clear();
  const p = fresh(1, 14)[0];
  const app = createApp({ db: seed.db, translator: translatorFromEnv(seed.db, env()), adminToken: TOKEN });
  const statuses: number[] = [];
  for (let i = 0; i < 22; i++) {
    const r = await app.request(`/api/translate/${p.id}`, { method: 'POST', headers: { authorization: `Bearer guess-${i}` } });
    statuses.push(r.status);
  }
  assert.deepEqual([...new Set(statuses)], [401, 429]);
  assert.equal((await app.request('/api/admin/status', { headers: { authorization: `Bearer ${TOKEN}` } })).status, 429, 'the guesses count against admin too');
  const other = createApp({ db: seed.db, translator: translatorFromEnv(seed.db, env()), adminToken: TOKEN });
  assert.equal((await other.request(`/api/translate/${p.id}`, { method: 'POST' })).status, 200);
  assert.ok(getTranslation(seed.db, p.id, p.version, 'zh'));
  const purge = await other.request(`/api/admin/translations/${p.id}?lang=zh`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } });
  assert.deepEqual(await purge.json(), { id: p.id, lang: 'zh', deleted: 1 });
  assert.equal(getTranslation(seed.db, p.id, p.version, 'zh'), null);
});

test('limiters stay within their bytes under 200,000 hostile keys and keep a recent client\'s count', () => {
  const limiter = new RateLimiter(5, 60_000, 256 * 1024);
  for (let i = 0; i < 5; i++) assert.ok(limiter.take('victim'));
  assert.equal(limiter.take('victim'), false);
  for (let i = 0; i < 200_000; i++) {
    limiter.take(`2001:db8::${i.toString(16)}:${'f'.repeat(i % 40)}`);
    if (i % 1000 === 0) assert.equal(limiter.take('victim'), false, 'a recently seen client is not reset by others');
  }
  assert.ok(limiter.bytes <= 256 * 1024, `${limiter.bytes} bytes`);
  const bucket = new TokenBucket({ perSecond: 2, burst: 3 }, 64 * 1024);
  const t0 = 1_000_000;
  assert.deepEqual([1, 2, 3, 4].map(() => bucket.take('a', t0)), [true, true, true, false]);
  assert.equal(bucket.take('a', t0 + 500), true, 'refilled at the rate');
  for (let i = 0; i < 50_000; i++) bucket.take(`k${i}`.padEnd(100, 'x'), t0);
  assert.ok(bucket.bytes <= 64 * 1024, `${bucket.bytes} bytes`);
});

test('costly routes answer 429 with Retry-After past a client\'s burst; cheap pages do not', async () => {
  const app = createApp({ db: seed.db, clientRate: { perSecond: 0.001, burst: 3 } });
  const codes: number[] = [];
  for (let i = 0; i < 5; i++) codes.push((await app.request('/api/math?tex=x%5E2')).status);
  assert.deepEqual(codes, [200, 200, 200, 429, 429]);
  const r = await app.request('/api/search?q=graph');
  assert.equal(r.status, 429);
  assert.ok(Number(r.headers.get('retry-after')) >= 1);
  assert.equal((await app.request('/arxiv/cs.LG?sort=keywords&kw=graph')).status, 429, 'keyword-ranked listings count');
  assert.equal((await app.request('/arxiv/cs.LG')).status, 200, 'a plain listing does not');
  assert.equal((await app.request('/healthz')).status, 200);
  assert.equal((await app.request(`/api/papers/${seed.papers[0].id}`)).status, 200);
});
