// The assistant's HTTP API on a real server on 127.0.0.1 with a fake model
// service: the routes and fields, the event stream, a job that
// finishes after its page closed, budgets, CSRF, and 503 when not configured.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createParser } from 'eventsource-parser';
import { tempDir } from '../helpers.ts';
import type { Db } from '../../db/client.ts';
import { ingestBatch } from '../../db/queries.ts';
import { createApp, type AppDeps } from '../../server/app.ts';
import { Assistant } from '../../server/assistant/service.ts';
import { chatProvider } from '../../server/assistant/provider.ts';
import { MathService } from '../../server/math/service.ts';
import { startFakeLlm, DEFAULT_REPLY, type FakeLlm } from './fake-llm.ts';
import { PAPER, OTHER, BODY_SENTENCE, fixtureFullText, seedAssistantDb } from './fixture.ts';

let dir: ReturnType<typeof tempDir>;
let db: Db;
let llm: FakeLlm;
const servers: { close: () => void }[] = [];

before(async () => {
  dir = tempDir();
  db = seedAssistantDb(dir.path);
  llm = await startFakeLlm({ pieceDelayMs: 5 });
});
after(async () => {
  for (const s of servers) s.close();
  await llm?.close();
  db?.sqlite.close();
  dir?.cleanup();
});

async function start(opts: { assistant?: boolean; clientMax?: number; dailyMax?: number; adminToken?: string } = {}): Promise<string> {
  const math = new MathService({ db });
  const assistant =
    opts.assistant === false
      ? undefined
      : new Assistant({
          db,
          provider: chatProvider({ url: llm.url, model: `fake-${Math.random().toString(36).slice(2, 8)}`, idleTimeoutMs: 5000 }),
          fullText: fixtureFullText(),
          contextTokens: 8000,
          concurrency: 1,
          retry: { maxAttempts: 3, backoffMs: 5, maxRetryAfterMs: 100 },
          defaultLang: 'en',
        });
  const deps: AppDeps = { db, math, assistant, adminToken: opts.adminToken, faqBudgets: { clientMax: opts.clientMax ?? 100, dailyMax: opts.dailyMax ?? 1000 } };
  const server = serve({ fetch: createApp(deps).fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((r) => server.once('listening', () => r()));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const post = (url: string, body: unknown = {}, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

interface Sse {
  event: string;
  data: Record<string, unknown>;
}

/** Reads an event stream until it ends, or until `stopAfter` says so (then the connection is closed, like a closed page). */
async function readEvents(url: string, stopAfter?: (events: Sse[]) => boolean): Promise<Sse[]> {
  const ac = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream' }, signal: ac.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const events: Sse[] = [];
  const parser = createParser({ onEvent: (e) => events.push({ event: e.event ?? 'message', data: JSON.parse(e.data) as Record<string, unknown> }) });
  const decoder = new TextDecoder();
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      parser.feed(decoder.decode(chunk, { stream: true }));
      if (stopAfter?.(events)) {
        ac.abort();
        break;
      }
    }
  } catch (err) {
    if (!ac.signal.aborted) throw err;
  }
  return events;
}

async function until<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('without a provider every route answers 503 with a JSON message naming the variables', async () => {
  const url = await start({ assistant: false });
  for (const res of [await fetch(`${url}/api/faq/${PAPER.id}`), await post(`${url}/api/faq/${PAPER.id}`), await fetch(`${url}/api/faq/${PAPER.id}/events`)]) {
    assert.equal(res.status, 503);
    const body = (await res.json()) as { error: string; howto: string };
    assert.match(body.howto, /LLM_API_URL/);
  }
});

test('POST starts the job, the event stream shows it streaming, GET then has the answer with how it was made', async () => {
  const url = await start();
  const before = llm.requests.length;
  const res = await post(`${url}/api/faq/${PAPER.id}?lang=en`);
  assert.equal(res.status, 200);
  const started = (await res.json()) as Record<string, unknown>;
  assert.ok(['queued', 'running'].includes(started.status as string));
  assert.equal(started.version, 1);
  assert.equal(started.lang, 'en');
  assert.equal(typeof started.position, 'number');
  const events = await readEvents(`${url}/api/faq/${PAPER.id}/events?lang=en`);
  assert.equal(events[0].event, 'state');
  assert.ok(events.filter((e) => e.event === 'delta').length >= 2, 'at least two streamed pieces');
  const done = events.at(-1)!;
  assert.equal(done.event, 'done');
  assert.equal(done.data.status, 'done');
  const streamed = String(events[0].data.partial ?? '') + events.filter((e) => e.event === 'delta').map((e) => e.data.text).join('');
  assert.equal(streamed, DEFAULT_REPLY, 'the stream carries the whole answer, in order');
  const got = (await (await fetch(`${url}/api/faq/${PAPER.id}?lang=en`)).json()) as Record<string, unknown>;
  assert.equal(got.status, 'done');
  assert.equal(got.markdown, DEFAULT_REPLY);
  assert.match(String(got.html), /<h3>What problem does this paper try to solve\?<\/h3>/);
  assert.match(String(got.html), /data-tex="a_b"/);
  assert.equal(got.promptVersion, 'faq-v1');
  assert.match(String(got.model), /^fake-/);
  assert.ok(!Number.isNaN(Date.parse(String(got.createdAt))));
  assert.equal(llm.requests.length - before, 1);
  assert.ok(llm.requests[before].messages[1].content.includes(BODY_SENTENCE));
});

test('two readers → one upstream call; a page closed mid-stream does not stop the job', async () => {
  const url = await start();
  const before = llm.requests.length;
  llm.hold();
  const [a, b] = await Promise.all([post(`${url}/api/faq/${OTHER.id}?lang=zh`), post(`${url}/api/faq/${OTHER.id}?lang=zh`)]);
  assert.equal(a.status, 200);
  assert.equal(b.status, 200);
  // A reader watches the first piece arrive and closes the page.
  const seen = readEvents(`${url}/api/faq/${OTHER.id}/events?lang=zh`, (ev) => ev.some((e) => e.event === 'delta' || (e.event === 'state' && e.data.partial)));
  await new Promise((r) => setTimeout(r, 50));
  llm.release();
  const partial = await seen;
  assert.ok(!partial.some((e) => e.event === 'done'), 'the page left before the end');
  const got = await until(
    async () => (await (await fetch(`${url}/api/faq/${OTHER.id}?lang=zh`)).json()) as Record<string, unknown>,
    (v) => v.status === 'done',
  );
  assert.equal(got.status, 'done', 'the job finished with nobody watching');
  assert.equal(got.markdown, DEFAULT_REPLY);
  assert.equal(llm.requests.length - before, 1, 'one upstream call for two readers');
});

test('a partial answer is not served as done: after every attempt drops, the API reports an error and POST tries again', async () => {
  const url = await start();
  llm.script('drop', 'drop', 'drop');
  await post(`${url}/api/faq/${PAPER.id}?lang=zh`);
  const events = await readEvents(`${url}/api/faq/${PAPER.id}/events?lang=zh`);
  const last = events.at(-1)!;
  assert.ok(last.event === 'error' || last.data.status === 'error', JSON.stringify(last));
  const got = (await (await fetch(`${url}/api/faq/${PAPER.id}?lang=zh`)).json()) as Record<string, unknown>;
  assert.equal(got.status, 'error');
  assert.equal(got.markdown, undefined);
  await post(`${url}/api/faq/${PAPER.id}?lang=zh`);
  const again = await until(async () => (await (await fetch(`${url}/api/faq/${PAPER.id}?lang=zh`)).json()) as Record<string, unknown>, (v) => v.status === 'done');
  assert.equal(again.markdown, DEFAULT_REPLY);
});

test('a new version: GET shows the old answer as previous (for v1) and starts a fresh job', async () => {
  const url = await start();
  const paper = { ...PAPER, id: '2604.44444', title: 'Another versioned paper' };
  ingestBatch(db, { papers: [paper] });
  await post(`${url}/api/faq/${paper.id}`);
  await until(async () => (await (await fetch(`${url}/api/faq/${paper.id}`)).json()) as Record<string, unknown>, (v) => v.status === 'done');
  ingestBatch(db, { papers: [{ ...paper, version: 2, updated: '2026-05-02' }] });
  const before = llm.requests.length;
  const got = (await (await fetch(`${url}/api/faq/${paper.id}`)).json()) as { status: string; version: number; previous: { version: number; html: string } | null };
  assert.equal(got.version, 2);
  assert.ok(['queued', 'running'].includes(got.status), got.status);
  assert.equal(got.previous?.version, 1);
  assert.match(got.previous!.html, /<h3>/);
  const fresh = await until(async () => (await (await fetch(`${url}/api/faq/${paper.id}`)).json()) as Record<string, unknown>, (v) => v.status === 'done');
  assert.equal(fresh.version, 2);
  assert.equal(llm.requests.length - before, 1);
});

test('spending requests: JSON only, same origin only, per-client and daily budgets, ADMIN_TOKEN past them, cached answers free', async () => {
  const url = await start({ clientMax: 2, adminToken: 'tok-admin' });
  const form = await fetch(`${url}/api/faq/${PAPER.id}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'x=1' });
  assert.ok([403, 415].includes(form.status), `a form post is refused (${form.status})`);
  const crossForm = await fetch(`${url}/api/faq/${PAPER.id}`, { method: 'POST', headers: { 'content-type': 'text/plain', origin: 'https://evil.example' }, body: '{}' });
  assert.equal(crossForm.status, 403, 'a simple cross-site post is refused');
  const plain = await fetch(`${url}/api/faq/${PAPER.id}`, { method: 'POST', body: '{}' });
  assert.ok([403, 415].includes(plain.status), `text/plain refused (${plain.status})`);
  const cross = await post(`${url}/api/faq/${PAPER.id}`, {}, { origin: 'https://evil.example' });
  assert.equal(cross.status, 403);
  assert.equal((await post(`${url}/api/faq/${PAPER.id}?lang=fr`)).status, 400);
  assert.equal((await post(`${url}/api/faq/2604.99999`)).status, 404);
  // One new answer; then joining it and reading it once cached are free, however often.
  for (let i = 0; i < 3; i++) assert.equal((await post(`${url}/api/faq/${PAPER.id}?lang=en`)).status, 200);
  await until(async () => (await (await fetch(`${url}/api/faq/${PAPER.id}?lang=en`)).json()) as Record<string, unknown>, (v) => v.status === 'done');
  for (let i = 0; i < 3; i++) assert.equal((await post(`${url}/api/faq/${PAPER.id}?lang=en`)).status, 200);
  const q = (question: string, headers: Record<string, string> = {}) => post(`${url}/api/faq/${PAPER.id}/ask`, { question, lang: 'en' }, headers);
  assert.equal((await q('What is the lantern parameter?')).status, 200, 'the first new answer fits the budget');
  const over = await q('What is the crescent loss?');
  assert.equal(over.status, 429);
  assert.match(((await over.json()) as { error: string }).error, /new answers this hour/);
  assert.equal((await q('What is the crescent loss?', { authorization: 'Bearer tok-admin' })).status, 200, 'the admin token goes past it');
  assert.equal((await q('what is the lantern parameter')).status, 200, 'the same question (normalised) joins or reads the cache');
  assert.equal((await post(`${url}/api/faq/${PAPER.id}/ask`, { question: 'x', lang: 'en' })).status, 400);
  for (const question of ['What is the lantern parameter?', 'What is the crescent loss?']) {
    const state = () => fetch(`${url}/api/faq/${PAPER.id}/ask?lang=en&q=${encodeURIComponent(question)}`).then((r) => r.json() as Promise<Record<string, unknown>>);
    assert.equal((await until(state, (v) => v.status === 'done')).status, 'done');
  }
  const daily = await start({ dailyMax: 0 });
  const capped = await post(`${daily}/api/faq/${OTHER.id}/ask`, { question: 'Anything new today?', lang: 'en' });
  assert.equal(capped.status, 429);
  assert.match(((await capped.json()) as { error: string }).error, /today/);
});

test('a reader’s own question streams and is cached per normalised question', async () => {
  const url = await start();
  const before = llm.requests.length;
  const res = await post(`${url}/api/faq/${OTHER.id}/ask`, { question: 'How fast does it train?', lang: 'en' });
  assert.equal(res.status, 200);
  const events = await readEvents(`${url}/api/faq/${OTHER.id}/events?lang=en&q=${encodeURIComponent('How fast does it train?')}`);
  assert.equal(events.at(-1)?.event, 'done');
  const got = (await (await fetch(`${url}/api/faq/${OTHER.id}/ask?lang=en&q=${encodeURIComponent('how fast does it  train')}`)).json()) as Record<string, unknown>;
  assert.equal(got.status, 'done');
  assert.equal(got.promptVersion, 'ask-v1');
  const asked = llm.requests.slice(before).filter((r) => r.messages[1].content.includes('The reader asks: How fast does it train?'));
  assert.equal(asked.length, 1, 'one upstream call, and the question as asked reached the model');
  const prompt = (await (await fetch(`${url}/api/faq/prompts/faq-v1`)).json()) as { text: string };
  assert.match(prompt.text, /## questions\.en/);
});
