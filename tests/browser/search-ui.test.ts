// Keyword ranking on listings and the in-page filter, in real Chromium
// against a real server (127.0.0.1) over fixture data: Apply and Enter both
// rank, the summary and highlights say so, keywords are remembered and can be
// forgotten; the filter's include / exclude / AND, its count, lazily loaded
// chunks, matching under a page translation, and Ctrl+F (first press opens,
// second press is the browser's).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, tempDir } from '../helpers.ts';
import { seedDb, type Seeded } from '../pages/fixture.ts';
import { startPagesServer, type PagesServer } from '../pages/server.ts';

let dir: ReturnType<typeof tempDir>;
let seed: Seeded;
let srv: PagesServer;
let browser: Browser;
const problems: string[] = [];

interface ApiPaper {
  id: string;
  title: string;
  abstract: string;
  authors: string[];
}

/**
 * JSON from the test server; a request on a kept-alive socket the server has
 * just closed (its idle timeout) is sent once more.
 */
async function getJson<T>(path: string): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return (await (await fetch(srv.url + path)).json()) as T;
    } catch (err) {
      if (attempt) throw err;
    }
  }
}

/** cs.LG's DAY2 papers as the server holds them, in arXiv order. */
let day: ApiPaper[] = [];

before(async () => {
  dir = tempDir();
  seed = await seedDb(dir.path);
  srv = await startPagesServer(seed.db);
  browser = await launchChromium();
  for (let offset = 0; ; offset += 25) {
    const body = await getJson<{ papers: ApiPaper[]; next: string | null }>(`/api/arxiv/cs.LG?sort=arxiv&offset=${offset}`);
    day.push(...body.papers);
    if (!body.next) break;
  }
});

after(async () => {
  await browser?.close();
  await srv?.close();
  seed?.db.sqlite.close();
  dir?.cleanup();
  assert.deepEqual(problems, []);
});

async function open(path: string, page?: Page): Promise<Page> {
  if (!page) {
    const ctx = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    page = await ctx.newPage();
    page.on('pageerror', (e) => problems.push(`${path}: page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`${path}: console error: ${m.text()}`);
    });
  }
  await page.goto(srv.url + path);
  return page;
}

/** Whether a paper has `word` at the start of a word in its title, authors or abstract (the filter's rule). */
function has(p: ApiPaper, word: string): boolean {
  const text = `${p.title} ${p.authors.join(', ')} ${p.abstract}`;
  return new RegExp(`(?:^|[^\\p{L}\\p{N}])${word}`, 'iu').test(text);
}

/** A plain word that some but not most of `papers` hold, and not one in `avoid`. */
function wordIn(papers: readonly ApiPaper[], lo: number, hi: number, avoid: readonly string[] = []): string {
  return wordsIn(papers, lo, hi, avoid)[0];
}

/** Candidate words for wordIn, most frequent first. */
function wordsIn(papers: readonly ApiPaper[], lo: number, hi: number, avoid: readonly string[] = []): string[] {
  const counts = new Map<string, number>();
  for (const p of papers) {
    for (const w of new Set(`${p.title} ${p.abstract}`.toLowerCase().match(/\b[a-z]{6,}\b/g) ?? [])) counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  const pick = [...counts]
    .filter(([w]) => !avoid.includes(w))
    .map(([w]) => [w, papers.filter((p) => has(p, w)).length] as const)
    .filter(([, n]) => n >= lo && n <= hi)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  assert.ok(pick.length, `no word in ${lo}–${hi} of ${papers.length} papers`);
  return pick.map(([w]) => w);
}

/** A word of the day's papers that the engine ranks by (not a stop word: the keyword ranking's answer marks it). */
async function keywordIn(lo: number, hi: number): Promise<string> {
  for (const w of wordsIn(day, lo, hi)) {
    const body = await getJson<{ highlightTerms: string[]; rankedByKeywords: boolean }>(`/api/arxiv/cs.LG?sort=keywords&kw=${w}`);
    if (body.rankedByKeywords && body.highlightTerms.includes(w) && !/^(through|between|however|without|within|across|during|further|although)$/.test(w)) return w;
  }
  throw new Error('no keyword to rank by');
}

const cardIds = (page: Page, sel = 'article.paper') =>
  page.locator(sel).evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.id!));

// ---------- keyword ranking ----------

async function rankedByKeywords(page: Page, word: string): Promise<string[]> {
  await page.waitForURL(/sort=keywords/);
  assert.equal(new URL(page.url()).searchParams.get('kw'), word);
  assert.match((await page.locator('.listing-head .summary').textContent()) ?? '', /ranked by your keywords/);
  assert.doesNotMatch((await page.locator('.listing-head .summary').textContent()) ?? '', /newest first/);
  const matching = day.filter((p) => has(p, word)).length;
  assert.match((await page.locator('.listing-head .note').textContent()) ?? '', new RegExp(`of ${day.length} papers match your keywords`));
  // The first card matches and shows the word marked in its title or abstract.
  const marks = await page.locator('article.paper').first().locator('.paper-title mark, .abstract:not(.tr) mark').allTextContents();
  assert.ok(marks.length > 0, 'matched words are marked');
  assert.ok(marks.every((m) => m.toLowerCase().startsWith(word.slice(0, 4))), marks.join(','));
  assert.ok(matching > 0);
  return cardIds(page);
}

test('keywords rank a listing from the Apply button and from Enter alike, labelled and highlighted', async () => {
  const word = await keywordIn(3, 20);
  const viaButton = await open('/arxiv/cs.LG');
  await viaButton.fill('input[data-keywords]', word);
  await viaButton.click('form.sort button[type=submit]');
  const a = await rankedByKeywords(viaButton, word);

  const viaEnter = await open('/arxiv/cs.LG');
  await viaEnter.fill('input[data-keywords]', word);
  await viaEnter.press('input[data-keywords]', 'Enter');
  const b = await rankedByKeywords(viaEnter, word);
  assert.deepEqual(a, b);
  // Matches first: the first cards are the papers with the word.
  const top = a.slice(0, day.filter((p) => has(p, word)).length);
  assert.ok(top.length > 0 && top.every((id) => has(day.find((p) => p.id === id)!, word.slice(0, -1))), top.join(','));

  // Without keywords typed, Apply keeps the chosen order and the plain label.
  const plain = await open('/arxiv/cs.LG?sort=arxiv');
  await plain.selectOption('select[name=sort]', 'newest');
  await plain.click('form.sort button[type=submit]');
  await plain.waitForURL(/sort=newest/);
  assert.doesNotMatch((await plain.locator('.listing-head .summary').textContent()) ?? '', /ranked by your keywords/);
  assert.equal(await plain.locator('article.paper mark').count(), 0);
  await viaButton.context().close();
  await viaEnter.context().close();
  await plain.context().close();
});

test('keywords are remembered in the browser, re-applied on the next visit, and can be forgotten', async () => {
  const word = await keywordIn(3, 20);
  const page = await open('/arxiv/cs.LG');
  assert.equal(await page.locator('button[data-forget-keywords]').isVisible(), false, 'nothing to forget yet');
  await page.fill('input[data-keywords]', word);
  await page.click('form.sort button[type=submit]');
  await rankedByKeywords(page, word);
  assert.equal(await page.evaluate(() => localStorage.getItem('papers.keywords')), word);

  // The next visit (no order in the URL) ranks by them again.
  await open('/arxiv/cs.LG', page);
  await rankedByKeywords(page, word);
  assert.equal(await page.inputValue('input[data-keywords]'), word);
  const forget = page.locator('button[data-forget-keywords]');
  assert.ok(await forget.isVisible(), 'a visible way to clear them');

  // An explicit order is kept while moving around (the pager keeps it).
  await open('/arxiv/cs.LG?sort=arxiv', page);
  assert.doesNotMatch((await page.locator('.listing-head .summary').textContent()) ?? '', /ranked by your keywords/);
  assert.match((await page.locator('nav.pager a.next').getAttribute('href')) ?? '', /sort=arxiv/);

  await forget.click();
  await page.waitForURL(/sort=arxiv/);
  assert.equal(await page.evaluate(() => localStorage.getItem('papers.keywords')), null);
  assert.equal(await page.locator('button[data-forget-keywords]').isVisible(), false);
  await open('/arxiv/cs.LG', page);
  assert.equal(new URL(page.url()).searchParams.get('sort'), null, 'not re-applied once forgotten');
  assert.doesNotMatch((await page.locator('.listing-head .summary').textContent()) ?? '', /ranked by your keywords/);
  await page.context().close();
});

// ---------- in-page filter ----------

async function filterState(page: Page): Promise<{ shown: string[]; hidden: string[]; count: string }> {
  await page.waitForTimeout(300); // the filter applies 120 ms after typing stops
  // One read in the page, so a chunk arriving meanwhile cannot split it.
  // (No named helper inside: the test's transpiler would wrap it in a function the page lacks.)
  const { shown, hidden, count } = await page.evaluate(() => ({
    shown: [...document.querySelectorAll<HTMLElement>('article.paper:not([hidden])')].map((e) => e.dataset.id!),
    hidden: [...document.querySelectorAll<HTMLElement>('article.paper[hidden]')].map((e) => e.dataset.id!),
    count: document.querySelector('.filter-count')?.textContent ?? '',
  }));
  assert.equal(count, `${shown.length} of ${shown.length + hidden.length} shown`);
  return { shown, hidden, count };
}

const byId = (id: string) => day.find((p) => p.id === id)!;

test('Ctrl+F opens the filter; include, exclude and the AND switch hide cards, loaded chunks too', async () => {
  const page = await open('/arxiv/cs.LG?sort=arxiv');
  await page.evaluate(() => {
    const w = window as unknown as { fPrevented: boolean[] };
    w.fPrevented = [];
    // Registered after the page's own listener, on window: sees whether it was taken.
    window.addEventListener('keydown', (e) => {
      if (e.key.toLowerCase() === 'f' && e.ctrlKey) w.fPrevented.push(e.defaultPrevented);
    });
  });
  assert.equal(await page.locator('article.paper').count(), 25);
  assert.equal(await page.locator('.filter-panel').isVisible(), false);

  await page.keyboard.press('Control+f');
  assert.ok(await page.locator('.filter-panel').isVisible(), 'Ctrl+F opened the filter');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'page-filter-include');
  assert.equal(await page.getAttribute('.filter-toggle', 'aria-expanded'), 'true');

  // Include: any of the lines.
  const first = day.slice(0, 25);
  const a = wordIn(first, 3, 10);
  const b = wordIn(first, 2, 10, [a]);
  await page.keyboard.type(`${a}\n${b.toUpperCase()}`);
  let s = await filterState(page);
  assert.ok(s.shown.length > 0 && s.hidden.length > 0);
  for (const id of s.shown) assert.ok(has(byId(id), a) || has(byId(id), b), `${id} shown`);
  for (const id of s.hidden) assert.ok(!has(byId(id), a) && !has(byId(id), b), `${id} hidden`);

  // AND: every line.
  await page.getByLabel(/every “show” keyword/).check();
  s = await filterState(page);
  for (const id of s.shown) assert.ok(has(byId(id), a) && has(byId(id), b), `${id} shown under AND`);
  for (const id of s.hidden) assert.ok(!(has(byId(id), a) && has(byId(id), b)), `${id} hidden under AND`);
  assert.ok(s.hidden.some((id) => has(byId(id), a) || has(byId(id), b)), 'AND hides a paper OR showed');
  await page.getByLabel(/every “show” keyword/).uncheck();

  // Exclude beats include.
  const withA = first.filter((p) => has(p, a));
  const c = wordIn(withA, 1, withA.length - 1, [a, b]);
  await page.getByLabel(/Hide papers with/).fill(c);
  s = await filterState(page);
  for (const id of s.shown) assert.ok((has(byId(id), a) || has(byId(id), b)) && !has(byId(id), c), `${id} shown with exclude`);
  for (const id of s.hidden) assert.ok(!(has(byId(id), a) || has(byId(id), b)) || has(byId(id), c), `${id} hidden with exclude`);
  assert.ok(s.hidden.some((id) => has(byId(id), a) && has(byId(id), c)), 'an include match was excluded');

  // With few cards left the pager comes into view: the next chunks load, filtered as they arrive.
  await page.getByLabel(/Hide papers with/).fill('');
  await page.getByLabel(/Show papers with/).fill(a);
  for (let i = 0; i < 10 && (await page.locator('article.paper').count()) < day.length; i++) {
    await page.mouse.wheel(0, 100_000);
    await page.waitForTimeout(300);
  }
  await page.waitForFunction((n) => document.querySelectorAll('article.paper').length === n, day.length, { timeout: 10_000 });
  s = await filterState(page);
  assert.equal(s.count, `${day.filter((p) => has(p, a)).length} of ${day.length} shown`);
  const later = await cardIds(page, '.chunk:not(:first-child) article.paper');
  assert.ok(later.length > 0);
  for (const id of later) assert.equal(s.shown.includes(id), has(byId(id), a), `${id} in a later chunk`);

  // The toggle says the filter is on; Escape closes the panel and keeps it.
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('.filter-panel').isVisible(), false);
  assert.equal(await page.evaluate(() => document.activeElement?.className), 'filter-toggle');
  assert.match((await page.locator('.filter-toggle').textContent()) ?? '', /shown/);
  assert.equal((await filterState(page)).count, s.count);

  // Ctrl+F again: the panel opens; with it open, the next press is left to the browser.
  await page.keyboard.press('Control+f');
  assert.ok(await page.locator('.filter-panel').isVisible());
  await page.keyboard.press('Control+f');
  assert.deepEqual(await page.evaluate(() => (window as unknown as { fPrevented: boolean[] }).fPrevented), [true, true, false]);

  // Clear shows everything.
  await page.click('[data-filter-clear]');
  s = await filterState(page);
  assert.equal(s.hidden.length, 0);
  await page.context().close();
});

test('the filter matches authors, and the original text after a page translation rewrote the cards', async () => {
  const page = await open('/arxiv/cs.LG?sort=arxiv');
  // Every chunk first, so no card arrives while the filter is checked.
  for (let i = 0; i < 10 && (await page.locator('article.paper').count()) < day.length; i++) {
    await page.mouse.wheel(0, 100_000);
    await page.waitForTimeout(300);
  }
  await page.waitForFunction((n) => document.querySelectorAll('article.paper').length === n, day.length, { timeout: 10_000 });
  const first = day;
  const a = wordIn(first, 2, 12);
  // What a browser translator does: rewrite every text node of the cards.
  await page.evaluate(() => {
    const walker = document.createTreeWalker(document.querySelector('[data-papers]')!, NodeFilter.SHOW_TEXT);
    const nodes: Text[] = [];
    for (let t = walker.nextNode(); t; t = walker.nextNode()) nodes.push(t as Text);
    for (const t of nodes) if (!t.parentElement?.closest('[translate="no"]') && t.textContent?.trim()) t.textContent = '译文';
  });
  await page.click('.filter-toggle');
  await page.getByLabel(/Show papers with/).fill(a);
  let s = await filterState(page);
  assert.deepEqual(
    s.shown,
    first.filter((p) => has(p, a)).map((p) => p.id),
  );

  // An author's surname finds that paper (authors are part of the text).
  const author = first.find((p) => p.authors.length && /^[A-Za-z]{5,}$/.test(p.authors[0].split(' ').pop()!))!;
  const surname = author.authors[0].split(' ').pop()!;
  await page.getByLabel(/Show papers with/).fill(surname);
  s = await filterState(page);
  assert.ok(s.shown.includes(author.id), `${surname} finds ${author.id}`);
  for (const id of s.shown) assert.ok(has(byId(id), surname), id);
  // The labelled controls are reachable by keyboard.
  await page.getByLabel(/Show papers with/).focus();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'page-filter-exclude');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'page-filter-all');
  await page.context().close();
});

test('search pages have the filter too', async () => {
  const word = wordIn(day, 3, 30);
  const page = await open(`/arxiv/search?query=${encodeURIComponent(word)}`);
  assert.ok((await page.locator('article.paper').count()) > 0);
  await page.keyboard.press('Control+f');
  await page.getByLabel(/Hide papers with/).fill(word);
  const s = await filterState(page);
  assert.ok(s.hidden.length > 0);
  await page.context().close();
});

// ---------- accessibility ----------

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core's violations within the elements matched by `selectors` (the page's own CSP is bypassed to inject it). */
async function axeViolations(page: Page, selectors: string[]): Promise<string[]> {
  await page.addScriptTag({ path: createRequire(import.meta.url).resolve('axe-core/axe.min.js') });
  const found = await page.evaluate(async (include) => {
    const axe = (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
    const r = await axe.run({ include: include.map((s) => [s]) }, { resultTypes: ['violations'] });
    return r.violations;
  }, selectors);
  return found.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

test('the keyword controls, the filter and the sort switch pass axe-core', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1100, height: 900 }, bypassCSP: true });
  const page = await ctx.newPage();
  const word = await keywordIn(3, 20);
  await open('/arxiv/cs.LG', page);
  await page.fill('input[data-keywords]', word);
  await page.press('input[data-keywords]', 'Enter');
  await page.waitForURL(/sort=keywords/);
  await page.keyboard.press('Control+f');
  await page.getByLabel(/Show papers with/).fill(word);
  await filterState(page);
  assert.ok(await page.locator('button[data-forget-keywords]').isVisible());
  assert.deepEqual(await axeViolations(page, ['form.sort', '.page-filter', '[data-papers] article.paper:first-child']), []);

  await open(`/arxiv/search?query=${encodeURIComponent(word)}&sort=date`, page);
  await page.keyboard.press('Control+f');
  assert.deepEqual(await axeViolations(page, ['nav.result-sort', '.page-filter', '.listing-head .summary']), []);
  await ctx.close();
});
