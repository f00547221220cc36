// The reading pages in Debian's Chromium (playwright-core) against a real
// server on 127.0.0.1 with fixture data and a stub chat-completions service.
// Screenshots go to test-artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ROOT, launchChromium, tempDir } from '../helpers.ts';
import { seedDb, HOSTILE, DAY1, type Seeded } from '../pages/fixture.ts';
import { startPagesServer, type PagesServer } from '../pages/server.ts';
import { startStubLlm, type StubLlm } from '../pages/stub-llm.ts';
import { ingestBatch } from '../../db/queries.ts';

const ARTIFACTS = join(ROOT, 'test-artifacts');
let dir: ReturnType<typeof tempDir>;
let seed: Seeded;
let srv: PagesServer;
let llm: StubLlm;
let browser: Browser;
const problems: string[] = [];

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  dir = tempDir();
  seed = await seedDb(dir.path);
  llm = await startStubLlm({ mangle: (t) => t.includes('holds') });
  srv = await startPagesServer(seed.db, { env: { TRANSLATE_API_URL: llm.url, TRANSLATE_MODEL: 'stub-1' } });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await srv?.close();
  await llm?.close();
  seed?.db.sqlite.close();
  dir?.cleanup();
});

async function open(path: string, opts: { width?: number; js?: boolean } = {}): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: opts.width ?? 1100, height: 900 }, javaScriptEnabled: opts.js ?? true });
  const page = await ctx.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`${path}: console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`${path}: page error: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`${path}: a dialog opened: ${d.message()}`);
    void d.dismiss();
  });
  await page.goto(srv.url + path);
  return page;
}

/**
 * Text outside formulas that still holds TeX: a `$…$` pair or a `\(` / `\[`
 * opener. Prices are prose: a lone `$127`, or `\$81 … \$18,862` (escaped
 * dollars in the source) in one sentence, so a pair opened by `$` and a digit is not counted.
 */
function rawDollars(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const root = document.querySelector('[data-papers]') ?? document.body;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (n.parentElement?.closest('.math')) continue;
      if (/\$(?!\d)[^$]+\$|\\\(|\\\[/.test(n.textContent ?? '')) out.push(n.textContent!.slice(0, 80));
    }
    return out;
  });
}

test('formulas arrive typeset, and lazy loading appends chunks with typeset math', async () => {
  const page = await open('/arxiv/cs.LG');
  // A cold server may send some formulas as source past its typesetting budget; the page typesets those itself.
  const noPending = () => page.waitForFunction(() => document.querySelectorAll('.math-pending').length === 0, null, { timeout: 10_000 });
  await noPending();
  assert.equal(await page.locator('article.paper').count(), 25);
  assert.ok((await page.locator('[data-papers] .math:not(.math-error) mjx-container').count()) > 10);
  assert.deepEqual(await rawDollars(page), []);
  // The MathJax web fonts (from our own origin) are in use.
  const mathFonts = await page.evaluate(async () => {
    await document.fonts.ready;
    return [...document.fonts].filter((f) => f.family.startsWith('MJXTEX') && f.status === 'loaded').length;
  });
  assert.ok(mathFonts > 0, 'MathJax fonts loaded');
  await page.screenshot({ path: join(ARTIFACTS, 'pages-listing.png') });
  const firstChunkMath = await page.locator('.chunk').nth(0).locator('.math mjx-container').count();
  // Scroll to the end: the next chunks load and carry typeset math.
  for (let i = 0; i < 6 && (await page.locator('article.paper').count()) < seed.day2.length; i++) {
    await page.mouse.wheel(0, 100_000);
    await page.waitForTimeout(250);
  }
  await page.waitForFunction((n) => document.querySelectorAll('article.paper').length === n, seed.day2.length, { timeout: 10_000 });
  assert.equal(await page.locator('.chunk').count(), 3);
  await noPending();
  assert.ok((await page.locator('.chunk').nth(1).locator('.math mjx-container').count()) > 0);
  assert.ok(firstChunkMath > 0);
  assert.deepEqual(await rawDollars(page), []);
  assert.equal(await page.locator('nav.pager').count(), 0, 'pager gone after the last chunk');
  // No duplicates across chunks.
  const ids = await page.locator('article.paper').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.id));
  assert.equal(new Set(ids).size, ids.length);
  await page.context().close();
});

test('with JavaScript off, the plain next-page link works', async () => {
  const page = await open('/arxiv/cs.LG', { js: false });
  const first = await page.locator('article.paper').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.id));
  await page.click('nav.pager a.next');
  await page.waitForURL(/offset=25/);
  const second = await page.locator('article.paper').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.id));
  assert.equal(second.length, 25);
  assert.ok(second.every((id) => !first.includes(id)));
  assert.ok((await page.locator('.math mjx-container').count()) > 0);
  await page.context().close();
});

test('a simulated page translation rewrites prose only and leaves every formula intact', async () => {
  const page = await open('/arxiv/cs.LG');
  const before = await page.locator('.math').evaluateAll((els) => els.map((e) => e.outerHTML));
  assert.ok(before.length > 10);
  // What a browser translator does: rewrite every text node not under translate="no".
  const rewritten = await page.evaluate(() => {
    let n = 0;
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const nodes: Text[] = [];
    for (let t = walker.nextNode(); t; t = walker.nextNode()) nodes.push(t as Text);
    for (const t of nodes) {
      if (t.parentElement?.closest('[translate="no"]') || !t.textContent?.trim()) continue;
      t.textContent = '译' + t.textContent.toUpperCase();
      n++;
    }
    return n;
  });
  assert.ok(rewritten > 100);
  const after = await page.locator('.math').evaluateAll((els) => els.map((e) => e.outerHTML));
  assert.deepEqual(after, before);
  // Every formula says so itself.
  const marked = await page.locator('.math').evaluateAll((els) => els.every((e) => e.getAttribute('translate') === 'no' && e.classList.contains('notranslate') && !!e.getAttribute('data-tex')));
  assert.ok(marked);
  await page.screenshot({ path: join(ARTIFACTS, 'pages-simulated-translation.png') });
  await page.context().close();
});

test('the translation toggle shows translated and side-by-side text from the chat-completions stub', async () => {
  const id = seed.day2.find((x) => /\$/.test(seed.papers.find((p) => p.id === x)!.abstract))!;
  const page = await open(`/arxiv/${id}`);
  // Related papers arrive as a fragment.
  await page.locator('section.related ol li').first().waitFor({ state: 'visible' });
  const requests = llm.requests.length;
  await page.click('.translate-toggle button[data-view=translated]');
  const tr = page.locator('.abstract.tr');
  await tr.waitFor({ state: 'visible' });
  assert.equal(await page.locator('.abstract-pair > .abstract:not(.tr)').isVisible(), false);
  const text = (await tr.textContent()) ?? '';
  assert.ok(/[A-Z]{4,}/.test(text), 'stub translation (upper case) is shown');
  assert.ok((await tr.locator('.math mjx-container').count()) > 0, 'formulas in the translation are typeset');
  assert.equal(llm.requests.length, requests + 1);
  await page.click('.translate-toggle button[data-view=both]');
  assert.equal(await page.locator('.abstract-pair > .abstract:not(.tr)').isVisible(), true);
  assert.equal(await tr.isVisible(), true);
  await page.screenshot({ path: join(ARTIFACTS, 'pages-side-by-side.png'), fullPage: true });
  await page.click('.translate-toggle button[data-view=original]');
  assert.equal(await tr.isVisible(), false);
  // A listing translates its chunk with one API call; the server asks the provider once per paper not yet translated.
  const list = await open('/arxiv/cs.LG');
  const n = llm.requests.length;
  const apiCalls: string[] = [];
  list.on('request', (r) => r.url().includes('/api/translate') && r.method() === 'POST' && apiCalls.push(r.url()));
  const cards = await list.locator('article.paper').count();
  await list.click('.translate-toggle button[data-view=translated]');
  await list.locator('article.paper').nth(24).locator('.abstract.tr').waitFor({ state: 'visible' });
  assert.equal(apiCalls.length, 1, 'one API call for the chunk');
  assert.ok(llm.requests.length - n >= Math.min(cards, 25) - 2 && llm.requests.length - n <= 25, `${llm.requests.length - n} provider requests`);
  await list.screenshot({ path: join(ARTIFACTS, 'pages-listing-translated.png') });
  await page.context().close();
  await list.context().close();
});

test('hostile abstracts run nothing: <script>, <img onerror>, \\href{javascript:…}', async () => {
  for (const path of [`/arxiv/cs.LG?date=${DAY1}`, ...Object.values(HOSTILE).map((id) => `/arxiv/${id}`)]) {
    const page = await open(path);
    await page.waitForTimeout(150);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined, path);
    assert.equal(await page.locator('main script, main img, main a[href^="javascript:"]').count(), 0, path);
    if (path.includes(HOSTILE.href)) await page.screenshot({ path: join(ARTIFACTS, 'pages-hostile.png') });
    await page.context().close();
  }
});

test('copying text with formulas puts their TeX on the clipboard', async () => {
  const page = await open(`/arxiv/${HOSTILE.broken}`);
  const copied = await page.evaluate(() => {
    const abs = document.querySelector('.abstract-pair > .abstract')!;
    const range = document.createRange();
    range.selectNodeContents(abs);
    const sel = document.getSelection()!;
    sel.removeAllRanges();
    sel.addRange(range);
    const data = new DataTransfer();
    document.dispatchEvent(new ClipboardEvent('copy', { clipboardData: data, bubbles: true, cancelable: true }));
    return data.getData('text/plain');
  });
  assert.match(copied, /while \$a\^2\+b\^2=c\^2\$ is fine\./);
  await page.context().close();
});

test('stars live in the browser and the reading list shows them', async () => {
  const page = await open('/arxiv/cs.LG');
  const id = await page.locator('article.paper').nth(2).getAttribute('data-id');
  await page.locator('article.paper').nth(2).locator('button.star').click();
  assert.equal(await page.locator('article.paper').nth(2).locator('button.star').getAttribute('aria-pressed'), 'true');
  await page.goto(srv.url + '/stars');
  await page.waitForURL(/\/stars\?ids=/);
  assert.deepEqual(await page.locator('article.paper').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.id)), [id]);
  assert.match((await page.locator('a[data-export-link]').textContent()) ?? '', new RegExp(`/stars\\?ids=${id!.replace('.', '\\.')}`));
  await page.context().close();
});

test('pages look right on a narrow screen', async () => {
  for (const [path, name] of [
    ['/', 'pages-home-narrow.png'],
    [`/arxiv/${seed.day2[0]}`, 'pages-paper-narrow.png'],
    ['/arxiv/search?query=language+models', 'pages-search-narrow.png'],
  ] as const) {
    const page = await open(path, { width: 390 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `${path} overflows by ${overflow}px`);
    await page.screenshot({ path: join(ARTIFACTS, name) });
    await page.context().close();
  }
});

test('no page logged a console error', () => {
  assert.deepEqual(problems, []);
});

test('a listing or related-papers fragment past its typesetting budget sends new formulas as source, and the page typesets them from /api/math', async () => {
  // A formula no cache has seen, on the reading-list page (a listing like any other).
  const id = '2611.97001';
  ingestBatch(seed.db, {
    papers: [{
      id, version: 1, title: 'Bounds for $\\omega_{97001}$', abstract: 'We show $\\omega_{97001} \\le \\kappa^{3} + \\tfrac{1}{2}$ for every kernel.',
      authors: ['Budget Tester'], categories: ['math.FA'], published: '2026-11-25', updated: null, comments: null, journalRef: null, doi: null, license: null,
    }],
  });
  srv.math.setListingBudget(0);
  try {
    const html = await (await fetch(`${srv.url}/stars?ids=${id}`)).text();
    assert.match(html, /class="math math-pending notranslate"[^>]*data-tex="\\omega_\{97001\}"/);
    const page = await open(`/stars?ids=${id}`);
    await page.waitForFunction(() => document.querySelectorAll('.math-pending').length === 0, null, { timeout: 10_000 });
    assert.equal(await page.locator(`article.paper[data-id="${id}"] .math mjx-container`).count(), 2);
    assert.deepEqual(await rawDollars(page), []);
    await page.context().close();
  } finally {
    srv.math.setListingBudget(40);
  }
  // Related papers arrive as a fragment after the page: its pending titles are typeset the same way.
  const [near, far] = ['2611.97002', '2611.97003'];
  ingestBatch(seed.db, {
    papers: [near, far].map((pid, i) => ({
      id: pid, version: 1, title: i ? 'Quokka lattices beyond $\\varpi_{97003}$' : 'Quokka lattices and wombat sheaves',
      abstract: 'Quokka lattices meet wombat sheaves in a numbat topology.', authors: ['Budget Tester'], categories: ['math.FA'],
      published: '2026-11-25', updated: null, comments: null, journalRef: null, doi: null, license: null,
    })),
  });
  srv.search!.sync();
  srv.math.setListingBudget(0);
  try {
    const fragment = await (await fetch(`${srv.url}/arxiv/${near}/related?fragment=1`)).text();
    assert.match(fragment, /math-pending[^>]*data-tex="\\varpi_\{97003\}"/);
    const page = await open(`/arxiv/${near}`);
    const link = page.locator(`section.related a[href="/arxiv/${far}"]`);
    await link.waitFor({ state: 'visible' });
    await page.waitForFunction(() => document.querySelectorAll('section.related .math-pending').length === 0, null, { timeout: 10_000 });
    assert.equal(await link.locator('.math mjx-container').count(), 1);
    await page.context().close();
  } finally {
    srv.math.setListingBudget(40);
  }
  // The JSON twin refuses what it cannot typeset sensibly.
  assert.equal((await fetch(`${srv.url}/api/math?tex=`)).status, 400);
  assert.equal((await fetch(`${srv.url}/api/math?tex=${'x'.repeat(2001)}`)).status, 400);
  const cached = () => seed.db.sqlite.prepare('SELECT count(*) FROM math_cache').pluck().get() as number;
  const rows = cached();
  const one = (await (await fetch(`${srv.url}/api/math?tex=${encodeURIComponent('\\frac{a_{31337}}{b}')}&display=1`)).json()) as { ok: boolean; html: string };
  assert.ok(one.ok && one.html.includes('mjx-container') && one.html.includes('math-display'));
  assert.equal(cached(), rows, 'TeX from a client is not written to the database');
});
