// npm run bench:faq [-- --clicks 15 --runs 5 --pieces 1000]
// The reading assistant with the fake provider (tests/assistant/fake-llm.ts) on 127.0.0.1:
//  1. click -> first streamed text: Chromium clicks the FAQ button on a paper page (a new paper each time, so
//     every click is a new job) and times until the first streamed characters show; the peer is the fake
//     provider's own first streamed piece, asked directly over HTTP with the same prompt size.
//  2. the server's overhead per streamed token: one answer of `pieces` 4-character pieces (about a token each)
//     with no pause between them, read (a) straight from the fake provider and (b) through the whole path
//     (POST /api/faq, then /events until done: queue, job, SSE relay, final Markdown render and store);
//     overhead per token = (b - a) / pieces, median of `runs`.
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createParser } from 'eventsource-parser';
import { openDb } from '../db/client.ts';
import { ingestBatch } from '../db/queries.ts';
import { createApp } from '../server/app.ts';
import { buildAssets } from '../server/assets.ts';
import { Assistant } from '../server/assistant/service.ts';
import { chatProvider } from '../server/assistant/provider.ts';
import { MathService } from '../server/math/service.ts';
import { launchChromium, tempDir } from '../tests/helpers.ts';
import { startFakeLlm, DEFAULT_REPLY } from '../tests/assistant/fake-llm.ts';
import { PAPER, fixtureFullText } from '../tests/assistant/fixture.ts';

const { values } = parseArgs({
  options: {
    clicks: { type: 'string', default: '15' },
    runs: { type: 'string', default: '5' },
    pieces: { type: 'string', default: '1000' },
  },
});
const CLICKS = Number(values.clicks);
const RUNS = Number(values.runs);
const PIECES = Number(values.pieces);

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const fmt = (n: number) => n.toFixed(2);

const dir = tempDir('papers-bench-faq-');
const db = openDb(`${dir.path}/papers.db`);
const papers = Array.from({ length: CLICKS + RUNS + 2 }, (_, i) => ({ ...PAPER, id: `2604.${String(50000 + i)}`, title: `Bench paper ${i}` }));
ingestBatch(db, { papers });

const longReply = 'abcd'.repeat(PIECES);
const isLong = (msgs: { content: string }[]) => !!msgs[1]?.content.includes('LONG');
// FAQ answers come at 10 ms a piece (a quick model); the long answer as fast as the fake can send it.
const llm = await startFakeLlm({ pieceChars: 4, pieceDelayMs: (msgs) => (isLong(msgs) ? 0 : 10), reply: (msgs) => (isLong(msgs) ? longReply : DEFAULT_REPLY) });
const assistant = new Assistant({
  db,
  provider: chatProvider({ url: llm.url, model: 'fake-bench', idleTimeoutMs: 30_000 }),
  fullText: fixtureFullText(),
  contextTokens: 8000,
  concurrency: 1,
  retry: { maxAttempts: 1, backoffMs: 0, maxRetryAfterMs: 0 },
  defaultLang: 'en',
});
const app = createApp({ db, assets: await buildAssets(), math: new MathService({ db }), assistant, faqBudgets: { clientMax: 1_000_000, dailyMax: 1_000_000 } });
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
await new Promise<void>((r) => server.once('listening', () => r()));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

/** Reads an SSE body to its end; resolves with the time of the first data line and of the end. */
async function drain(res: Response, t0: number, isPiece: (ev: { event?: string; data: string }) => boolean): Promise<{ first: number; end: number }> {
  let first = -1;
  const parser = createParser({
    onEvent: (ev) => {
      if (first < 0 && isPiece(ev)) first = performance.now() - t0;
    },
  });
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(chunk, { stream: true }));
  return { first, end: performance.now() - t0 };
}

const directPiece = (ev: { data: string }) => ev.data.includes('"content":"') && !ev.data.includes('"content":""');

// ---- 1. click -> first streamed text
const browser = await launchChromium();
const clickMs: number[] = [];
const peerFirstMs: number[] = [];
const promptFor = (id: string) => {
  // The same prompt the server sends (same size), for the peer's direct request.
  return [{ role: 'user', content: `${id} ${'x'.repeat(6000)}` }];
};
for (let i = 0; i < CLICKS; i++) {
  const page = await browser.newPage();
  await page.goto(`${url}/arxiv/${papers[i].id}`);
  await page.locator('[data-faq-start]').waitFor({ state: 'visible' });
  const ms = await page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const box = document.querySelector('[data-faq-answer]')!;
        const t0 = performance.now();
        new MutationObserver(() => {
          if ((box.textContent ?? '').length > 0) resolve(performance.now() - t0);
        }).observe(box, { childList: true, characterData: true, subtree: true, attributes: true });
        document.querySelector<HTMLButtonElement>('[data-faq-start]')!.click();
      }),
  );
  clickMs.push(ms);
  await page.locator('[data-faq-answer] h3').first().waitFor({ timeout: 30_000 });
  await page.close();
  const t0 = performance.now();
  const res = await fetch(`${llm.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'x', stream: true, messages: promptFor(papers[i].id) }) });
  peerFirstMs.push((await drain(res, t0, directPiece)).first);
}
await browser.close();

// ---- 2. overhead per streamed token
const directMs: number[] = [];
const viaMs: number[] = [];
for (let r = 0; r < RUNS; r++) {
  const t0 = performance.now();
  const res = await fetch(`${llm.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'x', stream: true, messages: [{ role: 'system', content: '' }, { role: 'user', content: 'LONG' }] }) });
  directMs.push((await drain(res, t0, directPiece)).end);

  const p = papers[CLICKS + r];
  const question = `LONG answer number ${r}?`;
  const t1 = performance.now();
  const started = await fetch(`${url}/api/faq/${p.id}/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question, lang: 'en' }) });
  if (!started.ok) throw new Error(`ask: ${started.status} ${await started.text()}`);
  const events = await fetch(`${url}/api/faq/${p.id}/events?lang=en&q=${encodeURIComponent(question)}`, { headers: { accept: 'text/event-stream' } });
  viaMs.push((await drain(events, t1, () => false)).end);
}

const med = (xs: number[]) => quantile(xs, 0.5);
const perToken = ((med(viaMs) - med(directMs)) / PIECES) * 1000;
console.log(`click -> first streamed text (${CLICKS} clicks): p50 ${fmt(med(clickMs))} ms, p95 ${fmt(quantile(clickMs, 0.95))} ms`);
console.log(`peer: fake provider's first piece asked directly: p50 ${fmt(med(peerFirstMs))} ms, p95 ${fmt(quantile(peerFirstMs, 0.95))} ms`);
console.log(`one answer of ${PIECES} pieces (median of ${RUNS}): direct from the provider ${fmt(med(directMs))} ms, through the server ${fmt(med(viaMs))} ms (x${fmt(med(viaMs) / med(directMs))})`);
console.log(`server overhead per streamed token: ${fmt(perToken)} µs`);

server.close();
await llm.close();
db.sqlite.close();
dir.cleanup();
process.exit(0);
