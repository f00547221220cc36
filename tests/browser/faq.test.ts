// The reading assistant in Chromium against a real server on 127.0.0.1 and
// the fake model service: click the FAQ button, watch the answer stream in,
// reload and see the cached answer at once; a site without a provider says
// the assistant is not enabled.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { launchChromium, tempDir } from '../helpers.ts';
import type { Db } from '../../db/client.ts';
import { createApp } from '../../server/app.ts';
import { buildAssets } from '../../server/assets.ts';
import { Assistant } from '../../server/assistant/service.ts';
import { chatProvider } from '../../server/assistant/provider.ts';
import { MathService } from '../../server/math/service.ts';
import { startFakeLlm, type FakeLlm } from '../assistant/fake-llm.ts';
import { PAPER, fixtureFullText, seedAssistantDb } from '../assistant/fixture.ts';

let dir: ReturnType<typeof tempDir>;
let db: Db;
let llm: FakeLlm;
let browser: Browser;
const closers: (() => void)[] = [];

async function serveApp(withAssistant: boolean): Promise<string> {
  const assistant = withAssistant
    ? new Assistant({
        db,
        provider: chatProvider({ url: llm.url, model: 'fake-browser', idleTimeoutMs: 5000 }),
        fullText: fixtureFullText(),
        contextTokens: 8000,
        concurrency: 1,
        retry: { maxAttempts: 2, backoffMs: 5, maxRetryAfterMs: 100 },
        defaultLang: 'en',
      })
    : undefined;
  const app = createApp({ db, assets: await buildAssets(), math: new MathService({ db }), assistant });
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((r) => server.once('listening', () => r()));
  closers.push(() => server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

before(async () => {
  dir = tempDir();
  db = seedAssistantDb(dir.path);
  // Slow enough pieces that the page sees the answer grow.
  llm = await startFakeLlm({ pieceChars: 24, pieceDelayMs: 40 });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  for (const c of closers) c();
  await llm?.close();
  db?.sqlite.close();
  dir?.cleanup();
});

test('click FAQ: the answer streams in (two or more updates before done), and a reload shows the cached answer at once', async () => {
  const url = await serveApp(true);
  const problems: string[] = [];
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  await page.goto(`${url}/arxiv/${PAPER.id}`);
  const button = page.locator('[data-faq-start]');
  await button.waitFor({ state: 'visible' });
  // Record the answer box's text each time it changes, and whether it was the streamed (plain) or the final form.
  await page.evaluate(() => {
    const box = document.querySelector('[data-faq-answer]')!;
    const w = window as unknown as { __faq: { len: number; streaming: boolean }[] };
    w.__faq = [];
    new MutationObserver(() => w.__faq.push({ len: box.textContent?.length ?? 0, streaming: box.classList.contains('streaming') })).observe(box, {
      childList: true,
      characterData: true,
      subtree: true,
      attributes: true,
    });
  });
  const before = llm.requests.length;
  const clickedAt = Date.now();
  await button.click();
  await page.locator('[data-faq-answer] h3').first().waitFor({ timeout: 20_000 });
  const updates = await page.evaluate(() => (window as unknown as { __faq: { len: number; streaming: boolean }[] }).__faq);
  const streamed = [...new Set(updates.filter((u) => u.streaming && u.len > 0).map((u) => u.len))];
  assert.ok(streamed.length >= 2, `at least two streamed updates before done, saw ${streamed.length}`);
  assert.ok(streamed.every((n, i) => i === 0 || n > streamed[i - 1]), 'the text grows');
  const answer = page.locator('[data-faq-answer]');
  assert.equal(await answer.locator('h3').count(), 3);
  assert.ok((await answer.locator('mjx-container').count()) >= 3, 'formulas typeset');
  assert.equal(await answer.locator('.math[data-tex="a_b"]').count(), 1);
  const made = await page.locator('[data-faq-made]').textContent();
  assert.match(made ?? '', /model fake-browser, prompt faq-v1, from the full text of v1/);
  assert.equal(llm.requests.length - before, 1);
  assert.ok(Date.now() - clickedAt < 20_000);

  await page.reload();
  const t0 = Date.now();
  await page.locator('[data-faq-answer] h3').first().waitFor({ timeout: 5000 });
  const shownIn = Date.now() - t0;
  assert.ok(shownIn < 3000, `cached answer shown in ${shownIn} ms`);
  assert.equal(await page.locator('[data-faq-start]').isHidden(), true, 'no button to press: the answer is there');
  assert.equal(await page.locator('[data-faq-ask]').isVisible(), true, 'the follow-up box is offered');
  assert.equal(llm.requests.length - before, 1, 'the reload asked the model nothing');
  assert.deepEqual(problems, []);
  await ctx.close();
});

test('a reader’s own question streams under the FAQ', async () => {
  const url = await serveApp(true);
  const page = await browser.newPage();
  await page.goto(`${url}/arxiv/${PAPER.id}`);
  await page.locator('[data-faq-ask]').waitFor({ state: 'visible' });
  await page.fill('[data-faq-ask] input[name=question]', 'Which benchmarks were used?');
  await page.click('[data-faq-ask] button[type=submit]');
  await page.locator('[data-faq-ask-answer] h3').first().waitFor({ timeout: 20_000 });
  assert.match((await page.locator('[data-faq-ask-made]').textContent()) ?? '', /prompt ask-v1/);
  assert.ok(llm.requests.some((r) => r.messages[1].content.includes('The reader asks: Which benchmarks were used?')));
  await page.close();
});

test('without a provider the page says the assistant is not enabled, and names no setting', async () => {
  const url = await serveApp(false);
  const page = await browser.newPage();
  await page.goto(`${url}/arxiv/${PAPER.id}`);
  const text = (await page.locator('section.faq').textContent()) ?? '';
  assert.match(text, /not enabled on this site/);
  assert.doesNotMatch(text, /LLM_/);
  assert.equal(await page.locator('[data-faq-start]').count(), 0);
  await page.close();
});
