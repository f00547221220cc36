// Every demo page in Debian's Chromium against a real server on 127.0.0.1: it loads, runs
// on its default input, draws non-blank plots, reacts to a changed input, reports bad input
// in the page, and logs no console error. Screenshots go to test-artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ROOT, launchChromium, tempDir, startServer, type RunningServer } from '../helpers.ts';
import { openDb } from '../../db/client.ts';
import { ingestBatch } from '../../db/queries.ts';
import type { Paper } from '../../db/paper.ts';

const ARTIFACTS = join(ROOT, 'test-artifacts');
let dir: ReturnType<typeof tempDir>;
let srv: RunningServer;
let browser: Browser;
const problems: string[] = [];

const SEEDED: Record<string, { id: string; title: string }> = {
  'low-rank': { id: '2605.00001', title: 'Fast low rank matrix approximation by column sampling' },
  topk: { id: '2605.00002', title: 'A differentiable top-k operator for sparse gating' },
  msign: { id: '2605.00003', title: 'Newton-Schulz orthogonalization for optimizer updates' },
  'entropy-softmax': { id: '2605.00004', title: 'Attention entropy and length extrapolation in transformers' },
};

function paper(id: string, title: string): Paper {
  return { id, version: 1, title, abstract: `${title}. We study it carefully.`, authors: ['A. Author'], categories: ['cs.LG'], published: '2026-05-01', updated: '2026-05-01', comments: null, journalRef: null, doi: null, license: null };
}

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  dir = tempDir('demos-browser-');
  const db = openDb(join(dir.path, 'papers.db'));
  ingestBatch(db, { papers: Object.values(SEEDED).map((s) => paper(s.id, s.title)) });
  db.sqlite.close();
  srv = await startServer({ DATA_DIR: dir.path });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await srv?.stop();
  dir?.cleanup();
});

async function open(path: string): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await ctx.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`${path}: console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`${path}: page error: ${e.message}`));
  await page.goto(srv.url + path);
  return page;
}

/** Waits for a run newer than `previous`, then until no further run is pending and the plots are painted. */
async function runsAfter(page: Page, previous: number): Promise<number> {
  const count = async () => Number(await page.getAttribute('[data-demo]', 'data-runs'));
  await page.waitForFunction((n) => Number(document.querySelector<HTMLElement>('[data-demo]')?.dataset.runs ?? 0) > n, previous, { timeout: 30_000 });
  for (let seen = await count(); ; ) {
    await page.waitForTimeout(400);
    const now = await count();
    if (now === seen) break;
    seen = now;
  }
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  return count();
}

/** Per plot: how many canvas pixels are drawn (not transparent, not white), and a hash of the pixels. */
function plotPixels(page: Page): Promise<{ name: string; inked: number; hash: number }[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLElement>('[data-plot]')).map((el) => {
      const c = el.querySelector('canvas');
      if (!c) return { name: el.dataset.plot ?? '', inked: 0, hash: 0 };
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let inked = 0, hash = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] > 0 && (data[i] < 200 || data[i + 1] < 200 || data[i + 2] < 200)) inked++;
        hash = (hash * 31 + data[i] + 7 * data[i + 1] + 13 * data[i + 2] + 17 * data[i + 3]) | 0;
      }
      return { name: el.dataset.plot ?? '', inked, hash };
    }),
  );
}

const CHANGES: Record<string, { change: (p: Page) => Promise<void>; bad: (p: Page) => Promise<void>; badMessage: RegExp; plots: string[]; where: RegExp }> = {
  'low-rank': {
    change: (p) => p.fill('input[name=rows]', '30'),
    bad: (p) => p.fill('input[name=rank]', '0'),
    badMessage: /rank must be a whole number/,
    plots: ['spectrum', 'errors'],
    where: /\(worker\)/,
  },
  topk: {
    change: (p) => p.fill('input[name=k]', '2'),
    bad: (p) => p.fill('input[name=x]', '1 2 <script>'),
    badMessage: /is not a number/,
    plots: ['entries', 'mass'],
    where: /\(main thread\)/,
  },
  msign: {
    change: async (p) => {
      await p.selectOption('select[name=schedule]', 'youjiacheng_T6');
    },
    bad: async (p) => {
      await p.check('input[name=source][value=pasted]');
      await p.fill('textarea[name=matrix]', '1 2\n3');
    },
    badMessage: /row 2 has 1 numbers/,
    plots: ['maps', 'steps'],
    where: /\(main thread\)/,
  },
  'entropy-softmax': {
    change: (p) => p.fill('input[name=d]', '16'),
    bad: (p) => p.fill('input[name=d]', '-3'),
    badMessage: /d must be a whole number/,
    plots: ['entropy'],
    where: /\(worker\)/,
  },
};

test('the demo index lists every demo', async () => {
  const page = await open('/demos');
  const links = await page.$$eval('ul.demo-index a', (as) => as.map((a) => a.getAttribute('href')));
  assert.deepEqual(links.sort(), Object.keys(SEEDED).map((n) => `/demos/${n}`).sort());
  await page.context().close();
});

for (const [name, spec] of Object.entries(CHANGES)) {
  test(`/demos/${name}: runs, plots, reacts, reports bad input`, async () => {
    const page = await open(`/demos/${name}`);
    let runs = await runsAfter(page, 0);
    const status = await page.textContent('[data-role=status]');
    assert.match(status ?? '', /computed in [\d.]+ ms/, `status: ${status}`);
    assert.match(status ?? '', spec.where);
    // Formulas come typeset from the server.
    assert.ok((await page.$$('.math mjx-container, .math svg')).length > 3, 'typeset formulas');
    assert.equal(await page.$$eval('.math-error', (e) => e.length), 0, 'no formula failed to typeset');
    const first = await plotPixels(page);
    assert.deepEqual(first.map((p) => p.name), spec.plots);
    for (const p of first) assert.ok(p.inked > 2000, `${name}/${p.name} is drawn (${p.inked} inked pixels)`);
    assert.ok((await page.$$('[data-role=tables] table')).length >= 1, 'result table');
    assert.ok(await page.isVisible(`.demo-related a[href="/arxiv/${SEEDED[name].id}"]`), 'related paper from the index');
    await page.screenshot({ path: join(ARTIFACTS, `demo-${name}.png`), fullPage: true });

    await spec.change(page);
    runs = await runsAfter(page, runs);
    assert.match((await page.textContent('[data-role=status]')) ?? '', /computed in/);
    const second = await plotPixels(page);
    assert.ok(second.some((p, i) => p.hash !== first[i].hash), `${name}: a plot changed after the input changed`);
    for (const p of second) assert.ok(p.inked > 2000, `${name}/${p.name} still drawn`);

    await spec.bad(page);
    await runsAfter(page, runs);
    await page.waitForFunction(() => document.querySelector('[data-role=status]')?.classList.contains('error'), null, { timeout: 10_000 });
    assert.match((await page.textContent('[data-role=status]')) ?? '', spec.badMessage);
    await page.context().close();
  });
}

test('a large input runs in the worker and the page stays responsive meanwhile', async () => {
  const page = await open('/demos/low-rank');
  let runs = await runsAfter(page, 0);
  await page.fill('input[name=cols]', '150');
  await page.fill('input[name=rows]', '200');
  await page.fill('input[name=rank]', '60');
  await page.waitForFunction(() => document.querySelector('[data-role=status]')?.textContent === 'computing…', null, { timeout: 10_000 });
  // While the worker computes, the main thread answers within a frame or two.
  let worst = 0, busyRounds = 0;
  for (let i = 0; i < 20; i++) {
    const t = Date.now();
    const busy = await page.evaluate(() => new Promise<boolean>((r) => requestAnimationFrame(() => r(document.querySelector('[data-role=status]')?.textContent === 'computing…'))));
    if (!busy) break;
    busyRounds++;
    worst = Math.max(worst, Date.now() - t);
  }
  // Frames kept coming while the worker computed: a blocked main thread would give none until the job ended.
  assert.ok(busyRounds >= 3, `the page answered ${busyRounds} animation frames while the worker computed (worst ${worst} ms)`);
  runs = await runsAfter(page, runs);
  assert.match((await page.textContent('[data-role=status]')) ?? '', /computed in [\d.]+ ms \(worker\)/);
  await page.context().close();
});

test('no console errors on any demo page', () => {
  assert.deepEqual(problems, []);
});

test('demo JSON twins and unknown names', async () => {
  const r = await fetch(`${srv.url}/api/demos/topk`);
  assert.equal(r.status, 200);
  const body = (await r.json()) as { related: { id: string }[]; relatedQuery: string };
  assert.ok(body.related.some((p) => p.id === SEEDED.topk.id));
  // A paper whose text is about a demo's topic links to that demo from its page.
  for (const [name, { id }] of Object.entries(SEEDED)) {
    const html = await (await fetch(`${srv.url}/arxiv/${id}`)).text();
    assert.ok(html.includes(`href="/demos/${name}"`), `paper ${id} links to /demos/${name}`);
  }
  assert.equal((await fetch(`${srv.url}/demos/no-such-demo`)).status, 404);
  assert.equal((await fetch(`${srv.url}/api/demos/no-such-demo`)).status, 404);
  assert.equal((await fetch(`${srv.url}/demos/assets/nope.css`)).status, 404);
});
