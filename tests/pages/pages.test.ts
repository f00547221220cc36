// The reading pages over real HTTP on 127.0.0.1: a real SQLite file seeded
// with corpus records, hostile records and announcements of every type, the
// real MiniSearch engine, and a stub chat-completions service.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { XMLParser } from 'fast-xml-parser';
import { tempDir } from '../helpers.ts';
import { seedDb, HOSTILE, OLD_STYLE, DAY1, DAY2, type Seeded } from './fixture.ts';
import { startPagesServer, type PagesServer } from './server.ts';
import { startStubLlm, type StubLlm } from './stub-llm.ts';
import { getPaper } from '../../db/queries.ts';
import { getTranslation } from '../../db/listings.ts';

let dir: ReturnType<typeof tempDir>;
let seed: Seeded;
let srv: PagesServer;
let bare: PagesServer;
let llm: StubLlm;

before(async () => {
  dir = tempDir();
  seed = await seedDb(dir.path);
  // Sentences saying "holds" come back with a mangled placeholder.
  llm = await startStubLlm({ mangle: (t) => t.includes('holds') });
  srv = await startPagesServer(seed.db, { env: { TRANSLATE_API_URL: llm.url, TRANSLATE_API_KEY: 'sk-test', TRANSLATE_MODEL: 'stub-1' } });
  bare = await startPagesServer(seed.db, { search: false });
});

after(async () => {
  await srv.close();
  await bare.close();
  await llm.close();
  seed.db.sqlite.close();
  dir.cleanup();
});

async function get(path: string, base = srv.url) {
  const res = await fetch(base + path, { redirect: 'manual' });
  return { status: res.status, body: await res.text(), headers: res.headers };
}

/** Ids of the paper cards, in page order. */
function cardIds(html: string): string[] {
  return [...html.matchAll(/<article class="paper" id="[^"]*" data-id="([^"]+)"/g)].map((m) => m[1]);
}

const TYPE_ORDER = ['new', 'cross', 'replace', 'replace-cross'];

function expectedDay2Order(): string[] {
  const rows = seed.db.sqlite
    .prepare(`SELECT paper_id AS id, announce_type AS t, position AS p FROM announcements WHERE category = 'cs.LG' AND date = ?`)
    .all(DAY2) as { id: string; t: string; p: number }[];
  return rows.sort((a, b) => TYPE_ORDER.indexOf(a.t) - TYPE_ORDER.indexOf(b.t) || a.p - b.p).map((r) => r.id);
}

test('ids with a dot, a slash or a version route to the paper page; arxiv.org paths redirect', async () => {
  const dot = seed.day2[0];
  for (const path of [`/arxiv/${dot}`, `/arxiv/${OLD_STYLE.id}`]) {
    const r = await get(path);
    assert.equal(r.status, 200, path);
    assert.match(r.body, /<h1 class="paper-title">/);
  }
  const old = await get(`/api/arxiv/${OLD_STYLE.id}`);
  assert.equal(JSON.parse(old.body).id, OLD_STYLE.id);
  for (const [from, to] of [
    [`/abs/${dot}`, `/arxiv/${dot}`],
    [`/abs/${dot}v2`, `/arxiv/${dot}`],
    [`/pdf/${dot}`, `/arxiv/${dot}`],
    [`/pdf/${dot}v1.pdf`, `/arxiv/${dot}`],
    [`/abs/${OLD_STYLE.id}`, `/arxiv/${OLD_STYLE.id}`],
    [`/arxiv/${dot}v3`, `/arxiv/${dot}`],
  ]) {
    const r = await get(from);
    assert.equal(r.status, 301, from);
    assert.equal(r.headers.get('location'), to, from);
  }
});

test('ids as people paste them answer at one canonical address; a malformed id is a 400 showing a good one', async () => {
  for (const [from, to] of [
    ['/arxiv/2601.1306', '/arxiv/2601.01306'],
    ['/arxiv/1406.02661', '/arxiv/1406.2661'],
    ['/arxiv/0704.00062', '/arxiv/0704.0062'],
    ['/arxiv/2601.01306v2', '/arxiv/2601.01306'],
    ['/arxiv/arXiv:2601.01306v2', '/arxiv/2601.01306'],
    ['/arxiv/arxiv:1406.02661', '/arxiv/1406.2661'],
    ['/arxiv/https://arxiv.org/abs/2601.01306v3', '/arxiv/2601.01306'],
    ['/arxiv/https://arxiv.org/pdf/2601.1306v1.pdf', '/arxiv/2601.01306'],
    ['/arxiv/https://arxiv.org/html/2601.01306v1', '/arxiv/2601.01306'],
    ['/arxiv/arxiv.org/abs/hep-th/9901001v1', '/arxiv/hep-th/9901001'],
    ['/arxiv/hep-th/9901001v2', '/arxiv/hep-th/9901001'],
    ['/arxiv/math.GT/0309136', '/arxiv/math/0309136'],
    ['/arxiv/2601.1306/related', '/arxiv/2601.01306/related'],
    ['/arxiv/2601.1306?x=1', '/arxiv/2601.01306?x=1'],
    ['/api/arxiv/2601.1306', '/api/arxiv/2601.01306'],
    ['/api/arxiv/arXiv:1406.02661v4', '/api/arxiv/1406.2661'],
    ['/abs/2601.1306', '/arxiv/2601.01306'],
  ]) {
    const r = await get(from);
    assert.equal(r.status, 301, from);
    assert.equal(r.headers.get('location'), to, from);
  }
  for (const path of ['/arxiv/2613.01306', '/arxiv/1406.12345', '/arxiv/arXiv:nope', '/arxiv/2405.012', '/arxiv/hep-th/99', '/arxiv/0000.0000', '/arxiv/2405.0123%3Cscript%3E', '/arxiv/1%22%3E%3Cscript%3E']) {
    const r = await get(path);
    assert.equal(r.status, 400, path);
    assert.match(r.headers.get('content-type') ?? '', /text\/html/, path);
    assert.ok(r.body.includes('2405.01234'), `${path}: shows a good id`);
    assert.ok(!r.body.includes('<script>'), `${path}: escaped`);
    const api = await get(path.replace('/arxiv/', '/api/arxiv/'));
    assert.equal(api.status, 400, `api ${path}`);
    assert.equal(JSON.parse(api.body).example, '2405.01234');
  }
  // Categories keep their addresses.
  assert.equal((await get('/arxiv/cs.LG')).status, 200);
  assert.equal((await get('/arxiv/cs.LG/nothing')).status, 404);
});

test('unknown ids and categories get a real 404 page, and 404 JSON under /api', async () => {
  for (const path of ['/arxiv/2601.99999', '/arxiv/no.SUCH', '/arxiv/cs.LG-nope', '/abs/notanid', '/nothing/here']) {
    const r = await get(path);
    assert.equal(r.status, 404, path);
    assert.match(r.headers.get('content-type') ?? '', /text\/html/, path);
    assert.match(r.body, /<h1>Not found<\/h1>/, path);
  }
  for (const path of ['/api/arxiv/2601.99999', '/api/arxiv/no.SUCH']) {
    const r = await get(path);
    assert.equal(r.status, 404, path);
    assert.ok(JSON.parse(r.body).error, path);
  }
});

test('the paper page has every field, citation meta tags, BibTeX, and related papers with their terms', async () => {
  const id = seed.day2[1];
  const p = getPaper(seed.db, id)!;
  const r = await get(`/arxiv/${id}`);
  assert.match(r.body, new RegExp(`<meta name="citation_arxiv_id" content="${id.replace('.', '\\.')}"`));
  assert.match(r.body, /<meta name="citation_title" content="/);
  assert.equal((r.body.match(/<meta name="citation_author"/g) ?? []).length, p.authors.length);
  assert.ok(r.body.includes(`href="https://arxiv.org/pdf/${id}"`));
  assert.ok(r.body.includes(`href="https://arxiv.org/abs/${id}"`));
  assert.ok(r.body.includes(`href="https://arxiv.org/html/${id}"`));
  assert.match(r.body, /<pre id="bibtex">@misc\{/);
  assert.ok(r.body.includes(`/arxiv/search?query=${encodeURIComponent(`au:"${p.authors[0]}"`)}`), 'author links search');
  assert.ok(r.body.includes(`data-related-src="/arxiv/${id}/related?fragment=1"`), 'related papers load as a fragment');
  const rel = await get(`/arxiv/${id}/related?fragment=1`);
  assert.match(rel.body, /^<h2>Related papers<\/h2>[\s\S]*<ol>[\s\S]*because: /);
  assert.ok(!rel.body.includes(`href="/arxiv/${id}"`), 'itself excluded');
  const relPage = await get(`/arxiv/${id}/related`);
  assert.match(relPage.body, /<!doctype html>[\s\S]*Related papers/);
  const json = JSON.parse((await get(`/api/arxiv/${id}`)).body);
  assert.equal(json.id, id);
  assert.ok(json.related.terms.length > 0);
  assert.ok(json.related.papers.every((x: { id: string }) => x.id !== id), 'itself excluded');
});

test('a category shows its latest announced day in arXiv order with badges, 25 at a time', async () => {
  const order = expectedDay2Order();
  const r = await get('/arxiv/cs.LG');
  assert.equal(r.status, 200);
  assert.ok(r.body.includes(`Announced <strong>${DAY2}</strong>: ${order.length} papers`));
  assert.deepEqual(cardIds(r.body), order.slice(0, 25));
  assert.ok(r.body.includes(`href="/arxiv/cs.LG?date=${DAY1}"`), 'link to the older day');
  // Lazy-loading marker and the plain next-page link.
  assert.ok(r.body.includes('data-lazy-next="/arxiv/cs.LG/chunk?offset=25"'));
  assert.ok(r.body.includes('href="/arxiv/cs.LG?offset=25"'));
  assert.ok(r.body.includes('<script type="module" src="/static/lazy.js"></script>'));
  // Fragments continue the order; the last one has no next.
  const c1 = await get('/arxiv/cs.LG/chunk?offset=25');
  assert.deepEqual(cardIds(c1.body), order.slice(25, 50));
  assert.ok(!c1.body.includes('<html'), 'a fragment, not a page');
  assert.match(c1.body, /data-next="\/arxiv\/cs.LG\/chunk\?offset=50"/);
  const c2 = await get('/arxiv/cs.LG/chunk?offset=50');
  assert.deepEqual(cardIds(c2.body), order.slice(50, 75));
  assert.ok(!c2.body.includes('data-next='));
  // Every badge type appears; formulas are typeset in fragments too.
  const all = r.body + c1.body + c2.body;
  for (const b of ['badge-new', 'badge-cross', 'badge-replace', 'badge-replace-cross']) assert.ok(all.includes(b), b);
  // On a loaded machine the first render may pass its typesetting budget and send some as source
  // (math-pending); the math thread's late answers are cached, so a later request has them typeset.
  const typesetIn = (html: string) => (html.match(/class="math( math-display)? notranslate" translate="no"/g) ?? []).length;
  let fragment = c1.body;
  for (const deadline = Date.now() + 30_000; typesetIn(fragment) <= 5 && Date.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, 200));
    fragment = (await get('/arxiv/cs.LG/chunk?offset=25')).body;
  }
  assert.ok(typesetIn(fragment) > 5, 'formulas typeset in fragments');
  // The JSON twin says the same.
  const j = JSON.parse((await get('/api/arxiv/cs.LG?offset=25')).body);
  assert.deepEqual(
    j.papers.map((p: { id: string }) => p.id),
    order.slice(25, 50),
  );
  assert.equal(j.date, DAY2);
  assert.ok(j.papers.every((p: { announceType: string }) => TYPE_ORDER.includes(p.announceType)));
});

test('date navigation, unions, exclusions, archives and the newest-first fallback', async () => {
  const d1 = await get(`/arxiv/cs.LG?date=${DAY1}`);
  assert.deepEqual(cardIds(d1.body), Object.values(HOSTILE));
  const union = JSON.parse((await get('/api/arxiv/cs.LG,cs.CL')).body);
  assert.equal(union.total, seed.day2.length, 'cs.CL papers are also cs.LG papers: each once');
  const excl = JSON.parse((await get('/api/arxiv/cs.LG-cs.CL')).body);
  const withoutCl = seed.day2.filter((id) => !getPaper(seed.db, id)!.categories.includes('cs.CL'));
  assert.equal(excl.total, withoutCl.length, 'papers carrying cs.CL anywhere are removed');
  // cs.CR has no announcements: newest first from the categories table.
  const cr = await get('/arxiv/cs.CR');
  assert.equal(cr.status, 200);
  assert.match(cr.body, /papers, newest first/);
  const carryingCr = seed.papers.filter((p) => p.categories.includes('cs.CR')).map((p) => p.id);
  assert.ok(carryingCr.length >= Object.values(HOSTILE).length);
  assert.deepEqual(new Set(cardIds(cr.body)), new Set(carryingCr));
  // hep-th has a hyphen in its name and no announcements.
  assert.deepEqual(cardIds((await get('/arxiv/hep-th')).body), [OLD_STYLE.id]);
  assert.equal((await get('/arxiv/cs')).status, 200);
  // Sorting by the reader's keywords puts matches first.
  const target = getPaper(seed.db, seed.day2[40])!;
  const word = target.title.split(/\s+/).find((w) => /^[A-Za-z]{7,}$/.test(w)) ?? target.title.split(/\s+/)[0];
  const kw = JSON.parse((await get(`/api/arxiv/cs.LG?sort=keywords&kw=${encodeURIComponent(word)}`)).body);
  assert.ok(kw.papers.slice(0, 5).some((p: { id: string }) => p.id === target.id), `${word} ranks ${target.id} near the top`);
  assert.match(kw.note, /match your keywords/);
});

test('hostile records are escaped: no script, no event handler, no javascript: link', async () => {
  for (const path of [`/arxiv/cs.LG?date=${DAY1}`, `/arxiv/${HOSTILE.script}`, `/arxiv/${HOSTILE.img}`, `/arxiv/${HOSTILE.href}`, '/arxiv/cs.CR/feed']) {
    const r = await get(path);
    assert.equal(r.status, 200, path);
    assert.ok(!r.body.includes('<script>window'), path);
    assert.ok(!/<img[^>]*onerror/i.test(r.body), path);
    assert.ok(!/href="javascript:/i.test(r.body), path);
  }
  const page = (await get(`/arxiv/${HOSTILE.broken}`)).body;
  assert.match(page, /class="math math-error notranslate" translate="no"[^>]*>\\frac\{1\}\{<\/span>/);
  assert.match(page, /data-tex="a\^2\+b\^2=c\^2"><mjx-container/, 'a good formula next to a broken one still typesets');
});

test('search page: highlights, help, pagination, errors, feed and JSON twin', async () => {
  const r = await get('/arxiv/search?query=language+models');
  assert.equal(r.status, 200);
  assert.match(r.body, /<mark>/);
  assert.match(r.body, /How to search/);
  const ids = cardIds(r.body);
  assert.ok(ids.length > 0);
  const j = JSON.parse((await get('/api/arxiv/search?query=language+models')).body);
  assert.deepEqual(
    j.papers.map((p: { id: string }) => p.id),
    ids,
  );
  // The second chunk continues the first, page and JSON alike (the seeded corpus has more than one chunk of matches).
  const wide = JSON.parse((await get('/api/arxiv/search?query=learning')).body);
  assert.ok(wide.total > 25, `${wide.total} matches for "learning"`);
  const second = (JSON.parse((await get('/api/arxiv/search?query=learning&offset=25')).body).papers as { id: string }[]).map((p) => p.id);
  assert.ok(second.length > 0);
  assert.deepEqual(cardIds((await get('/arxiv/search/chunk?query=learning&offset=25')).body), second);
  assert.equal(new Set([...wide.papers.map((p: { id: string }) => p.id), ...second]).size, 25 + second.length, 'no paper on both chunks');
  const bad = await get('/arxiv/search?query=%22unbalanced');
  assert.equal(bad.status, 400);
  assert.match(bad.body, /role="alert"/);
  assert.equal((await get('/arxiv/search')).status, 200);
  assert.equal((await get('/arxiv/search?query=' + 'x'.repeat(5000))).status, 400);
  assert.equal((await get('/api/arxiv/search?query=')).status, 400);
  const feed = await get('/arxiv/search/feed?query=language+models');
  assert.match(feed.headers.get('content-type') ?? '', /application\/atom\+xml/);
  const parsed = new XMLParser().parse(feed.body) as { feed: { entry: unknown[] } };
  assert.equal(parsed.feed.entry.length, Math.min(50, j.total));
});

test('category Atom feed is well-formed with one entry per listed paper', async () => {
  const r = await get('/arxiv/cs.LG/feed');
  const parsed = new XMLParser({ ignoreAttributes: false }).parse(r.body) as { feed: { entry: { id: string }[]; title: string } };
  assert.equal(parsed.feed.entry.length, seed.day2.length);
  assert.match(parsed.feed.title, new RegExp(DAY2));
});

test('without a search engine pages still render and say so', async () => {
  const p = await get(`/arxiv/${seed.day2[0]}`, bare.url);
  assert.equal(p.status, 200);
  assert.match((await get(`/arxiv/${seed.day2[0]}/related?fragment=1`, bare.url)).body, /Search is unavailable/);
  const s = await get('/arxiv/search?query=x', bare.url);
  assert.equal(s.status, 503);
  assert.match(s.body, /Search is unavailable/);
  assert.equal((await get('/', bare.url)).status, 200);
});

test('home lists categories with counts; the picker redirects to the union URL', async () => {
  const r = await get('/');
  assert.match(r.body, /href="\/arxiv\/cs\.LG"/);
  assert.match(r.body, /today \d+ \(\d+ new\)/);
  const pick = await get('/arxiv?cs.LG=in&cs.CL=in&cs.CR=out&cs.AI=');
  assert.equal(pick.status, 302);
  assert.equal(pick.headers.get('location'), '/arxiv/cs.LG,cs.CL-cs.CR');
  const cats = JSON.parse((await get('/api/categories')).body);
  assert.ok(cats.counts.some((c: { category: string; papers: number }) => c.category === 'cs.LG' && c.papers > 0));
});

test('reading list: /stars?ids= lists the papers, /api/stars is its JSON twin', async () => {
  const ids = [seed.day2[2], OLD_STYLE.id];
  const r = await get(`/stars?ids=${ids.join(',')}`);
  assert.deepEqual(cardIds(r.body), ids);
  const j = JSON.parse((await get(`/api/stars?ids=${ids.join(',')},garbage`)).body);
  assert.deepEqual(j.ids, ids);
  assert.equal((await get('/stars')).status, 200);
});

test('translation: one provider request per paper, math protected, mangled sentences fall back, cached', async () => {
  const status = JSON.parse((await get('/api/translate/status')).body);
  assert.deepEqual({ ...status, langs: undefined }, { enabled: true, lang: 'zh', provider: 'chat-completions (stub-1)', langs: undefined });
  assert.ok(status.langs.includes('zh') && status.langs.includes('ja'));
  const ids = [HOSTILE.script, seed.day2[3], seed.day2[4]];
  const before = llm.requests.length;
  const res = await fetch(`${srv.url}/api/translate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ids }) });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { lang: string; papers: Record<string, { titleHtml: string; abstractHtml: string }> };
  assert.equal(llm.requests.length, before + 3, 'one request per paper: no abstract can rewrite a neighbour');
  for (const req of llm.requests.slice(before)) {
    assert.equal(req.auth, 'Bearer sk-test');
    assert.equal(req.model, 'stub-1');
    assert.ok(req.texts.every((t) => !/\$/.test(t)), 'no TeX reaches the provider');
  }
  // The hostile paper: "... model where [[M1]] holds." was mangled -> original sentence; "It is fine." translated.
  const h = body.papers[HOSTILE.script];
  assert.match(h.abstractHtml, /a model where <span class="math notranslate"[^>]*data-tex="\\alpha \+ \\beta = 1"><mjx-container[\s\S]*<\/span> holds\. IT IS FINE\./);
  assert.ok(!h.abstractHtml.includes('<script>'));
  for (const id of ids.slice(1)) {
    const p = getPaper(seed.db, id)!;
    const t = body.papers[id];
    assert.ok(t.titleHtml.length > 0);
    const original = (p.abstract.match(/\$[^$]+\$/g) ?? []).length;
    const kept = (t.abstractHtml.match(/class="math/g) ?? []).length;
    assert.ok(kept >= Math.min(1, original), `${id}: formulas kept`);
    assert.ok(getTranslation(seed.db, id, p.version, 'zh'), 'cached in SQLite');
  }
  // Cached now: no new request.
  const again = await fetch(`${srv.url}/api/translate/${ids[1]}`, { method: 'POST' });
  assert.equal(again.status, 200);
  assert.equal(llm.requests.length, before + 3);
  // Bad input is a clear 4xx.
  const bad = await fetch(`${srv.url}/api/translate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'nope' });
  assert.equal(bad.status, 400);
  const notJson = await fetch(`${srv.url}/api/translate`, { method: 'POST', body: 'nope' });
  assert.equal(notJson.status, 415);
  const none = await fetch(`${srv.url}/api/translate/2601.99999`, { method: 'POST' });
  assert.equal(none.status, 404);
});

test('translation off: one short line says so (no operator instructions on the page) and the API says 503', async () => {
  const page = await get(`/arxiv/${seed.day2[5]}`, bare.url);
  assert.match(page.body, /data-enabled="0"/);
  assert.match(page.body, /Translation is not enabled on this site\./);
  assert.doesNotMatch(page.body, /TRANSLATE_API_URL/);
  const res = await fetch(`${bare.url}/api/translate/${seed.day2[5]}`, { method: 'POST' });
  assert.equal(res.status, 503);
});

test('uncached translations are budgeted per client unless the admin token is sent', async () => {
  const guarded = await startPagesServer(seed.db, { search: false, env: { TRANSLATE_API_URL: llm.url, TRANSLATE_MODEL: 'stub-1' }, adminToken: 'tok-123' });
  try {
    const post = (ids: string[], token?: string) =>
      fetch(`${guarded.url}/api/translate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ ids }),
      });
    assert.equal((await post(seed.day2.slice(10, 35))).status, 200);
    assert.equal((await post(seed.day2.slice(35, 60))).status, 200);
    const third = seed.day2.slice(60, 70).concat([HOSTILE.img, HOSTILE.href]);
    const refused = await post(third);
    assert.equal(refused.status, 429);
    assert.match(((await refused.json()) as { error: string }).error, /too many/);
    // Already translated papers cost nothing.
    assert.equal((await post(seed.day2.slice(10, 35))).status, 200);
    assert.equal((await post(third, 'wrong')).status, 401, 'a wrong token is refused (and counted), never a way around the budget');
    assert.equal((await post(third, 'tok-123')).status, 200);
  } finally {
    await guarded.close();
  }
});

test('the browser gets MathJax\'s stylesheet and fonts, never its script', async () => {
  const css = await get('/math/mathjax.css');
  assert.equal(css.status, 200);
  assert.match(css.headers.get('content-type') ?? '', /text\/css/);
  const fonts = [...css.body.matchAll(/url\("([^"]+\.woff)"\)/g)].map((m) => m[1]);
  assert.ok(fonts.length > 10);
  for (const f of fonts.slice(0, 3)) {
    const r = await fetch(srv.url + f);
    assert.equal(r.status, 200, f);
    assert.equal(r.headers.get('content-type'), 'font/woff');
  }
  assert.equal((await get('/math/fonts/MathJax_Nope.woff')).status, 404);
  assert.equal((await get('/math/fonts/..%2Fpackage.json')).status, 404);
  const page = (await get('/arxiv/cs.LG')).body;
  assert.ok(page.includes('<link rel="stylesheet" href="/math/mathjax.css"/>') || page.includes('href="/math/mathjax.css"'));
  assert.ok(!/mathjax[^"]*\.js/i.test(page), 'no MathJax script');
});
