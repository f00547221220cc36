// The acceptance point "the prompt holds a sentence from the body of the full
// text" through the real path: fetchFullText (scripts/crawler/fulltext.ts)
// against the fixture server's LaTeXML page on 127.0.0.1, then the assistant
// asking the fake model service.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { harness, type Harness } from '../crawler/harness.ts';
import { fetchFullText, type FullTextContext } from '../../scripts/crawler/fulltext.ts';
import { ingestBatch, getPaper } from '../../db/queries.ts';
import { Assistant } from '../../server/assistant/service.ts';
import { chatProvider } from '../../server/assistant/provider.ts';
import { startFakeLlm, type FakeLlm } from './fake-llm.ts';
import { PAPER } from './fixture.ts';

/** In section 1.1 of tests/fixtures/arxiv/html/2104.12255.html, not in its abstract. */
const BODY = 'Keeping the top terms gives the best rank-k approximation.';
let h: Harness;
let llm: FakeLlm;

before(async () => {
  h = await harness();
  llm = await startFakeLlm();
});
after(async () => {
  await llm?.close();
  await h?.close();
});

test('the model is sent a sentence from the body of the full text fetched by fetchFullText', async () => {
  const ctx: FullTextContext = {
    db: h.db,
    client: h.client,
    config: { htmlUrl: h.server.env.ARXIV_HTML_URL, pdfUrl: h.server.env.ARXIV_PDF_URL, maxBytes: 5 * 1024 * 1024, cacheBytes: 16 * 1024 * 1024 },
  };
  const abstract = 'We bound the largest eigenvalue of a matrix by simple norms.';
  ingestBatch(h.db, { papers: [{ ...PAPER, id: '2104.12255', version: 1, title: 'A small test paper on spectral bounds', abstract }] });
  const paper = getPaper(h.db, '2104.12255')!;
  const assistant = new Assistant({
    db: h.db,
    provider: chatProvider({ url: llm.url, model: 'fake', idleTimeoutMs: 5000 }),
    fullText: (id, version) => fetchFullText(ctx, id, version),
    contextTokens: 8000,
    concurrency: 1,
    retry: { maxAttempts: 2, backoffMs: 5, maxRetryAfterMs: 100 },
    defaultLang: 'en',
  });
  const ask = { paper, lang: 'en' as const, question: null };
  assistant.start(ask);
  const job = assistant.job(ask)!;
  await new Promise<void>((r) => job.listen((e) => (e.type === 'done' || e.type === 'error') && r()));
  assert.equal(job.status, 'done', job.error ?? '');
  assert.ok(h.server.requests.some((r) => r.path === '/html/2104.12255v1'), 'the HTML version was fetched from the fixture server');
  const prompt = llm.requests[0].messages.map((m) => m.content).join('\n');
  assert.ok(!abstract.includes(BODY));
  assert.ok(prompt.includes(BODY), 'a sentence from the body reached the model');
  assert.ok(prompt.includes('Eigenvalues are bounded by norms.'), 'and the conclusion');
  assert.equal(assistant.state(ask).answer?.basis, 'fulltext:html');
});
