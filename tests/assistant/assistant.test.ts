// The reading assistant below the HTTP layer, against a fake
// OpenAI-compatible service on 127.0.0.1: what the model is sent, one job per
// question, faults retried and never cached half-done, a new version a new
// job, the Markdown rendered safely with its formulas typeset.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir } from '../helpers.ts';
import type { Db } from '../../db/client.ts';
import { ingestBatch, getPaper } from '../../db/queries.ts';
import { Assistant, type Ask } from '../../server/assistant/service.ts';
import { chatProvider, ProviderError, withRetries } from '../../server/assistant/provider.ts';
import { cutToContext, roomFor } from '../../server/assistant/context.ts';
import { renderAnswer, extractMath } from '../../server/assistant/render.ts';
import { faqQuestions, normaliseQuestion } from '../../server/assistant/prompt.ts';
import { MathService } from '../../server/math/service.ts';
import { startFakeLlm, DEFAULT_REPLY, type FakeLlm } from './fake-llm.ts';
import { PAPER, OTHER, BODY_SENTENCE, REFERENCE_SENTENCE, FULL_TEXT, fixtureFullText, seedAssistantDb } from './fixture.ts';
import type { Job } from '../../server/assistant/queue.ts';

let dir: ReturnType<typeof tempDir>;
let db: Db;
let llm: FakeLlm;

before(async () => {
  dir = tempDir();
  db = seedAssistantDb(dir.path);
  llm = await startFakeLlm();
});
after(async () => {
  await llm?.close();
  db?.sqlite.close();
  dir?.cleanup();
});

function assistant(opts: { maxAttempts?: number; concurrency?: number; fullText?: boolean; idleMs?: number } = {}): Assistant {
  return new Assistant({
    db,
    provider: chatProvider({ url: llm.url, key: 'sk-fake', model: `fake-${Math.random().toString(36).slice(2, 8)}`, idleTimeoutMs: opts.idleMs ?? 5000 }),
    fullText: opts.fullText === false ? undefined : fixtureFullText(),
    contextTokens: 8000,
    concurrency: opts.concurrency ?? 1,
    retry: { maxAttempts: opts.maxAttempts ?? 4, backoffMs: 5, maxRetryAfterMs: 2000 },
    defaultLang: 'en',
  });
}

function finished(job: Job<unknown> | undefined): Promise<'done' | 'error'> {
  assert.ok(job, 'a job is under way');
  if (job.status === 'done' || job.status === 'error') return Promise.resolve(job.status);
  return new Promise((resolve) => {
    const stop = job.listen((e) => {
      if (e.type === 'done' || e.type === 'error') {
        stop();
        resolve(e.type);
      }
    });
  });
}

const faq = (paper = PAPER, lang: 'en' | 'zh' = 'en'): Ask => ({ paper, lang, question: null });

test('the prompt holds a sentence from the body of the full text, not the references, and the six questions in the language asked', async () => {
  const a = assistant();
  const before = llm.requests.length;
  a.start(faq(PAPER, 'zh'));
  assert.equal(await finished(a.job(faq(PAPER, 'zh'))), 'done');
  const sent = llm.requests.slice(before);
  assert.equal(sent.length, 1);
  const prompt = sent[0].messages.map((m) => m.content).join('\n');
  assert.ok(prompt.includes(BODY_SENTENCE), 'the method section reached the model');
  assert.ok(!PAPER.abstract.includes(BODY_SENTENCE));
  assert.ok(!prompt.includes(REFERENCE_SENTENCE), 'references are dropped');
  for (const q of faqQuestions('zh')) assert.ok(prompt.includes(q), `question ${q}`);
  assert.equal(faqQuestions('en').length, 6);
  assert.match(prompt, /Simplified Chinese/);
  assert.equal(sent[0].stream, true);
  assert.equal(sent[0].auth, 'Bearer sk-fake');
  const s = a.state(faq(PAPER, 'zh'));
  assert.equal(s.status, 'done');
  assert.equal(s.answer?.markdown, DEFAULT_REPLY);
  assert.equal(s.answer?.basis, 'fulltext:html');
  assert.equal(s.answer?.promptVersion, 'faq-v1');
});

test('without a full text the abstract stands in, and the prompt says so', async () => {
  const a = assistant({ fullText: false });
  const before = llm.requests.length;
  a.start(faq(OTHER));
  assert.equal(await finished(a.job(faq(OTHER))), 'done');
  const prompt = llm.requests[before].messages.map((m) => m.content).join('\n');
  assert.ok(prompt.includes(OTHER.abstract));
  assert.match(prompt, /Only the abstract/);
  assert.equal(a.state(faq(OTHER)).answer?.basis, 'abstract');
});

test('two readers asking at once make one upstream call; the second sees the first one streaming', async () => {
  const a = assistant();
  llm.hold();
  const before = llm.requests.length;
  const first = a.start(faq());
  const second = a.start(faq());
  assert.equal(first.status, 'running');
  assert.equal(second.status, 'running');
  const job = a.job(faq());
  await new Promise<void>((r) => {
    const stop = job!.listen((e) => e.type === 'delta' && (stop(), r()));
  });
  const mid = a.state(faq());
  assert.equal(mid.status, 'running');
  assert.ok(mid.partial && DEFAULT_REPLY.startsWith(mid.partial), 'the partial answer is what streamed so far');
  llm.release();
  assert.equal(await finished(job), 'done');
  assert.equal(llm.requests.length - before, 1);
  assert.equal(a.start(faq()).status, 'done', 'a later reader gets the cached answer');
  assert.equal(llm.requests.length - before, 1);
});

test('jobs wait in line, FAQ_CONCURRENCY at a time, and know how many are ahead', async () => {
  const a = assistant({ concurrency: 1 });
  llm.hold();
  a.start(faq(PAPER, 'en'));
  a.start(faq(OTHER, 'en'));
  a.start(faq(PAPER, 'zh'));
  assert.equal(a.state(faq(PAPER, 'en')).status, 'running');
  assert.equal(a.state(faq(OTHER, 'en')).position, 1);
  assert.equal(a.state(faq(PAPER, 'zh')).position, 2);
  const jobs = [a.job(faq(PAPER, 'en')), a.job(faq(OTHER, 'en')), a.job(faq(PAPER, 'zh'))];
  const moved: number[] = [];
  jobs[2]!.listen((e) => e.type === 'status' && moved.push(e.position));
  llm.release();
  assert.deepEqual(await Promise.all(jobs.map(finished)), ['done', 'done', 'done']);
  assert.deepEqual(moved.slice(0, 2), [1, 0], 'the last in line heard itself move up, then start');
});

test('provider faults (429 with Retry-After, 500, a dropped stream, malformed chunks, an empty reply, a refusal) are retried, and only the whole answer is kept', async () => {
  const a = assistant({ maxAttempts: 7 });
  const before = llm.requests.length;
  llm.script('429', '500', 'drop', 'malformed', 'empty', 'refuse');
  const resets: string[] = [];
  a.start(faq(OTHER, 'zh'));
  a.job(faq(OTHER, 'zh'))!.listen((e) => e.type === 'reset' && resets.push(e.reason));
  assert.equal(await finished(a.job(faq(OTHER, 'zh'))), 'done');
  const modes = llm.requests.slice(before).map((r) => r.mode);
  assert.deepEqual(modes, ['429', '500', 'drop', 'malformed', 'empty', 'refuse', 'stream']);
  assert.equal(resets.length, 6);
  assert.equal(a.state(faq(OTHER, 'zh')).answer?.markdown, DEFAULT_REPLY, 'the stored answer is the last attempt alone, not pieces of earlier ones');
});

test('a partial answer is never cached: a stream that drops on every attempt ends in an error and no stored answer', async () => {
  const a = assistant({ maxAttempts: 2 });
  llm.script('drop', 'drop');
  const ask: Ask = { paper: OTHER, lang: 'en', question: 'What is a quiet gradient?' };
  a.start(ask);
  assert.equal(await finished(a.job(ask)), 'error');
  const s = a.state(ask);
  assert.equal(s.status, 'error');
  assert.match(s.error ?? '', /ended before the model finished|broke off/);
  assert.equal(s.answer, null);
  const rows = db.sqlite.prepare('SELECT count(*) FROM assistant_answers WHERE paper_id = ? AND question_key = ?').pluck().get(OTHER.id, s.questionKey);
  assert.equal(rows, 0);
  // "Try again" starts a new job, which now succeeds.
  a.start(ask);
  assert.equal(await finished(a.job(ask)), 'done');
  assert.equal(a.state(ask).answer?.markdown, DEFAULT_REPLY);
});

test('a stalled stream times out and is retried', async () => {
  const a = assistant({ idleMs: 300 });
  llm.script('stall');
  const ask: Ask = { paper: PAPER, lang: 'en', question: 'Does it stall?' };
  a.start(ask);
  assert.equal(await finished(a.job(ask)), 'done');
});

test('a service that does not stream (plain JSON) works too', async () => {
  const a = assistant();
  llm.script('json');
  const ask: Ask = { paper: PAPER, lang: 'en', question: 'Plain JSON please' };
  a.start(ask);
  assert.equal(await finished(a.job(ask)), 'done');
  assert.equal(a.state(ask).answer?.markdown, DEFAULT_REPLY);
});

test('a new arXiv version makes a new job; the old answer is shown for its version meanwhile', async () => {
  const a = assistant();
  const paper = { ...PAPER, id: '2604.33333', title: 'Versioned paper' };
  ingestBatch(db, { papers: [paper] });
  a.start(faq(paper));
  assert.equal(await finished(a.job(faq(paper))), 'done');
  ingestBatch(db, { papers: [{ ...paper, version: 2, updated: '2026-05-01' }] });
  const v2 = getPaper(db, paper.id)!;
  assert.equal(v2.version, 2);
  const s = a.state(faq(v2));
  assert.equal(s.status, 'none');
  assert.equal(s.version, 2);
  assert.equal(s.previous?.version, 1);
  const before = llm.requests.length;
  a.start(faq(v2));
  assert.equal(await finished(a.job(faq(v2))), 'done');
  assert.equal(llm.requests.length - before, 1, 'a fresh upstream call for v2');
  assert.match(llm.requests[before].messages[1].content, /version 2/);
  assert.equal(a.state(faq(v2)).answer?.version, 2);
});

test('retries: bounded, Retry-After honoured (capped), 4xx not retried', async () => {
  const pauses: number[] = [];
  let n = 0;
  await assert.rejects(
    withRetries(
      async () => {
        n++;
        throw new ProviderError('429', true, 50_000);
      },
      { maxAttempts: 3, backoffMs: 10, maxRetryAfterMs: 1000 },
      (_e, _n, p) => pauses.push(p),
      async () => {},
    ),
  );
  assert.equal(n, 3);
  assert.deepEqual(pauses, [1000, 1000]);
  n = 0;
  await assert.rejects(withRetries(async () => (n++, Promise.reject(new ProviderError('401', false))), { maxAttempts: 5, backoffMs: 1, maxRetryAfterMs: 1 }));
  assert.equal(n, 1);
});

test('long papers are cut by the stated rule: references dropped, abstract, introduction, method and conclusion before the rest', () => {
  if (FULL_TEXT.status !== 'ok') throw new Error('fixture');
  const long = FULL_TEXT.sections.map((s) => (s.title === '4 Experiments' ? { ...s, text: 'Experiment details. '.repeat(2000) } : s));
  const cut = cutToContext({ abstract: PAPER.abstract, sections: long }, 3000);
  assert.ok(cut.text.length <= roomFor(3000) + 200);
  assert.ok(cut.text.includes(BODY_SENTENCE));
  assert.ok(cut.text.includes('Crescent losses are simple'));
  assert.ok(!cut.text.includes(REFERENCE_SENTENCE));
  assert.ok(cut.dropped.includes('References'));
  assert.ok(cut.cut.includes('4 Experiments') || cut.dropped.includes('4 Experiments'));
  assert.ok(cut.text.indexOf('## 3 Method') < cut.text.indexOf('## 5 Conclusion'), 'kept in document order');
  const roomy = cutToContext({ abstract: PAPER.abstract, sections: FULL_TEXT.sections }, 100_000);
  assert.deepEqual(roomy.cut, []);
  assert.ok(roomy.text.includes('moon loss'));
});

test('questions are cached under their normalised form', () => {
  assert.equal(normaliseQuestion('  What  is the MAIN result? '), normaliseQuestion('what is the main result'));
});

test('rendering: $…$ and \\(…\\) typeset, a_b intact inside math, no markup from the model', async () => {
  const math = new MathService({ db });
  const hostile = [
    'Inline $a_b + c_d$ and \\(x_1^2\\) and display:',
    '',
    '$$\\sum_{i} a_i \\\\ b_i$$',
    '',
    'Prose with _emphasis_ and `code $not_math$`.',
    '<script>window.__pwned = 1</script>',
    '<img src=x onerror="window.__pwned=2">',
    '[click](javascript:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=) [ok](https://arxiv.org/abs/2604.11111)',
    '![img](https://example.com/x.png)',
  ].join('\n');
  const { html, pending } = await math.render((m) => renderAnswer(hostile, m), Infinity);
  assert.equal(pending, 0);
  const formulas = [...html.matchAll(/<span class="math[^"]*" translate="no"[^>]*data-tex="([^"]*)"/g)].map((m) => m[1]);
  assert.ok(formulas.includes('a_b + c_d'), `a_b kept: ${formulas.join(' | ')}`);
  assert.ok(formulas.includes('x_1^2'));
  assert.ok(formulas.some((f) => f.includes('\\\\')), 'a \\\\ inside display math survives');
  assert.ok(html.includes('<mjx-container'), 'typeset by MathJax');
  assert.ok(html.includes('<em>emphasis</em>'), 'Markdown outside math still works');
  assert.ok(html.includes('<code>code $not_math$</code>'), 'code is left alone');
  assert.ok(!/<script/i.test(html), 'no script element');
  assert.ok(!/<img/i.test(html), 'no img element');
  assert.ok(!/onerror=/i.test(html.replace(/&lt;img[^]*?&gt;/g, '')), 'no event attribute outside escaped text');
  assert.ok(!/href="javascript:/i.test(html) && !/href="data:/i.test(html), 'no javascript: or data: link');
  assert.ok(html.includes('&lt;script&gt;'), 'the tag is shown as text');
  assert.match(html, /<a href="https:\/\/arxiv\.org\/abs\/2604\.11111" rel="nofollow noopener noreferrer">ok<\/a>/);
  assert.equal(extractMath('`$x$` and $y$').formulas.length, 1);
});
