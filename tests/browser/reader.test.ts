// The inline reader in Chromium: "Read" on a paper page opens PDF.js (served
// by us from node_modules), which fetches a PDF made here with pdf-lib from a
// fixture server on 127.0.0.1 (with CORS, as arXiv sends) and renders page 1
// onto a canvas with ink on it. Without CORS the PDF opens in a new tab.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Browser } from 'playwright-core';
import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';
import { launchChromium, tempDir } from '../helpers.ts';
import { openDb, type Db } from '../../db/client.ts';
import { ingestBatch } from '../../db/queries.ts';
import { createApp } from '../../server/app.ts';
import { buildAssets } from '../../server/assets.ts';
import { startFixtureServer, type FixtureServer } from '../../scripts/fixture-server.ts';

const ID = '2604.90021';
let dir: ReturnType<typeof tempDir>;
let db: Db;
let fx: FixtureServer;
let browser: Browser;
const servers: ServerType[] = [];

async function appServer(pdfUrl: string): Promise<string> {
  const app = createApp({ db, assets: await buildAssets(), reader: { pdfUrl, htmlUrl: fx.env.ARXIV_HTML_URL } });
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((ok) => server.once('listening', () => ok()));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

before(async () => {
  dir = tempDir('papers-reader-');
  db = openDb(join(dir.path, 'papers.db'));
  ingestBatch(db, {
    papers: [
      { id: ID, version: 1, title: 'A paper to read inline', abstract: 'Its PDF comes from the fixture server.', authors: ['R. Eader'], categories: ['cs.LG'], published: '2026-04-02', updated: null, comments: null, journalRef: null, doi: null, license: null },
    ],
  });
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  const page = pdf.addPage([612, 792]);
  page.drawRectangle({ x: 72, y: 600, width: 300, height: 80, color: rgb(0.1, 0.2, 0.6) });
  page.drawText('Page one of the inline reader fixture.', { x: 72, y: 560, size: 18, font });
  pdf.addPage([612, 792]).drawText('Page two.', { x: 72, y: 700, size: 18, font });
  const body = await pdf.save();
  fx = await startFixtureServer({ documents: { [`/pdf/${ID}`]: { type: 'application/pdf', body }, [`/nocors/${ID}`]: { type: 'application/pdf', body } } });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  for (const s of servers) await new Promise<void>((ok) => s.close(() => ok()));
  await fx?.close();
  db?.sqlite.close();
  dir?.cleanup();
});

test('Read opens PDF.js in the page and page 1 is drawn on a canvas', async () => {
  const url = await appServer(fx.env.ARXIV_PDF_URL);
  const ctx = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await ctx.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  await page.goto(`${url}/arxiv/${ID}`);
  const csp = (await ctx.request.get(`${url}/arxiv/${ID}`)).headers()['content-security-policy'];
  assert.match(csp, new RegExp(`connect-src 'self' ${fx.url.replace(/\./g, '\\.')}`), 'connect-src widened to the PDF origin only');
  await page.click('article.paper-full a.read');
  await page.waitForSelector('dialog.reader canvas.reader-page[data-page="1"][data-rendered="1"]', { timeout: 60_000 });
  const inked = await page.evaluate(() => {
    const c = document.querySelector<HTMLCanvasElement>('canvas.reader-page[data-page="1"]')!;
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0 && (data[i] < 200 || data[i + 1] < 200 || data[i + 2] < 200)) n++;
    return n;
  });
  assert.ok(inked > 1000, `page 1 has ink (${inked} dark pixels)`);
  assert.match(await page.textContent('dialog.reader .reader-status') ?? '', /2 pages/);
  assert.ok(fx.requests.some((r) => r.path === `/pdf/${ID}`), 'the browser fetched the PDF from the PDF origin');
  assert.deepEqual(problems, []);
  await ctx.close();
});

test('when the PDF cannot be fetched (no CORS), it opens on arXiv in a new tab', async () => {
  const url = await appServer(`${fx.url}/nocors`);
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(`${url}/arxiv/${ID}`);
  const [tab] = await Promise.all([ctx.waitForEvent('page', { timeout: 60_000 }), page.click('article.paper-full a.read')]);
  assert.ok(tab, 'a new tab opened');
  assert.match((await page.textContent('dialog.reader .reader-status')) ?? '', /opens on arXiv in a new tab/);
  // The tab asks the PDF address itself (after PDF.js's refused fetch).
  const deadline = Date.now() + 15_000;
  while (fx.requests.filter((r) => r.path === `/nocors/${ID}`).length < 2 && Date.now() < deadline) await new Promise((ok) => setTimeout(ok, 100));
  assert.ok(fx.requests.filter((r) => r.path === `/nocors/${ID}`).length >= 2, 'the new tab loads the PDF from its origin');
  await ctx.close();
});
