// Reading pages as readers meet them, in Chromium over the bundled sample:
// axe-core (injected from the axe-core package) finds no serious or critical
// violation on any page kind; on a 390×844 phone the first paper card starts
// within the first 420 px of a listing; no page tells readers how to
// configure the server; page scripts survive an unusual locale.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { CORPUS, launchChromium, tempDir } from '../helpers.ts';
import { openDb, type Db } from '../../db/client.ts';
import { importFile } from '../../scripts/import.ts';
import { startPagesServer, type PagesServer } from '../pages/server.ts';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let dir: ReturnType<typeof tempDir>;
let db: Db;
let srv: PagesServer;
let browser: Browser;

before(async () => {
  dir = tempDir();
  db = openDb(`${dir.path}/papers.db`);
  await importFile(db, CORPUS);
  srv = await startPagesServer(db);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await srv?.close();
  db?.sqlite.close();
  dir?.cleanup();
});

function pageKinds(): Record<string, string> {
  const id = db.sqlite.prepare("SELECT paper_id FROM paper_categories WHERE category = 'cs.LG' ORDER BY paper_id DESC LIMIT 1").pluck().get() as string;
  return {
    home: '/',
    listing: '/arxiv/cs.LG',
    union: '/arxiv/cs.AI+cs.LG-cs.CY',
    search: '/arxiv/search?query=neural+network',
    paper: `/arxiv/${id}`,
    stars: `/stars?ids=${id}`,
    demos: '/demos',
    demo: '/demos/low-rank',
  };
}

async function open(path: string, viewport = { width: 1100, height: 900 }, locale?: string): Promise<{ page: Page; errors: string[] }> {
  // CSP bypassed only so axe-core can be injected; the pages' own scripts are all from 'self' anyway.
  const ctx = await browser.newContext({ viewport, locale, bypassCSP: true });
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`${path}: ${e.message}`));
  await page.goto(srv.url + path, { waitUntil: 'load' });
  return { page, errors };
}

test('axe-core: no serious or critical violation on any page kind', async () => {
  const found: string[] = [];
  for (const [kind, path] of Object.entries(pageKinds())) {
    const { page, errors } = await open(path);
    await page.addScriptTag({ content: AXE });
    const result = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] })`)) as {
      violations: { id: string; impact: string; nodes: { target: string[] }[] }[];
    };
    for (const v of result.violations) {
      if (v.impact === 'serious' || v.impact === 'critical') found.push(`${kind} ${path}: ${v.id} (${v.impact}) at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')}`);
    }
    assert.deepEqual(errors, []);
    await page.context().close();
  }
  assert.deepEqual(found, []);
});

test('on a 390×844 phone the first paper card starts within 420 px of a listing', async () => {
  for (const path of ['/arxiv/cs.LG', '/arxiv/cs.AI+cs.LG-cs.CY', '/arxiv/search?query=neural+network']) {
    const { page } = await open(path, { width: 390, height: 844 });
    const top = await page.locator('article.paper').first().evaluate((el) => el.getBoundingClientRect().top + window.scrollY);
    assert.ok(top <= 420, `${path}: first card at ${Math.round(top)} px`);
    // The page does not scroll sideways.
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(wide <= 390, `${path}: ${wide} px wide`);
    await page.context().close();
  }
});

test('reading pages hold no operator instructions; a feature that is off says so in one short line', async () => {
  for (const [kind, path] of Object.entries(pageKinds())) {
    const res = await fetch(srv.url + path);
    const html = await res.text();
    assert.doesNotMatch(html, /[A-Z]{3,}_[A-Z_]{3,}/, `${kind}: no environment variable named`);
  }
  const listing = await (await fetch(srv.url + '/arxiv/cs.LG')).text();
  assert.match(listing, /Translation is not enabled on this site\./);
});

test('page scripts survive an unusual locale', async () => {
  for (const path of Object.values(pageKinds())) {
    const { page, errors } = await open(path, undefined, 'de-CH');
    assert.deepEqual(errors, [], path);
    await page.context().close();
  }
});

test('every demo page runs when the browser reports a POSIX locale (Chromium under LANG=C.UTF-8: en-US@posix)', async () => {
  const demos = ((await (await fetch(`${srv.url}/api/demos`)).json()) as { demos: { url: string }[] }).demos;
  assert.ok(demos.length >= 4, 'the four demo pages are listed');
  for (const { url } of demos) {
    const ctx = await browser.newContext();
    // What such a Chromium reports, set before any page script (uPlot reads it when its module loads).
    await ctx.addInitScript(() => Object.defineProperty(navigator, 'language', { value: 'en-US@posix', configurable: true }));
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(`${url}: ${e.message}`));
    await page.goto(srv.url + url, { waitUntil: 'load' });
    await page.locator('canvas').first().waitFor({ state: 'attached', timeout: 20_000 });
    assert.deepEqual(errors, [], url);
    await ctx.close();
  }
});
