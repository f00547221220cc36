// Politeness and failure handling against scripted faults on a real HTTP server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countPapers, getCrawlState } from '../../db/queries.ts';
import { ArxivClient, retryAfterMs } from '../../scripts/crawler/client.ts';
import { crawlerConfigFromEnv } from '../../scripts/crawler/config.ts';
import { crawlApiCategory, harvestOai, type OaiResume } from '../../scripts/crawler/crawls.ts';
import { RequestFailedError } from '../../scripts/crawler/errors.ts';
import { parseOaiPage } from '../../scripts/crawler/oai.ts';
import { harness, oaiFixtureIds } from './harness.ts';
import { freePort } from '../helpers.ts';

const SET = { set: 'physics:hep-th', from: '2016-01-01' };

test('503 + Retry-After: waits what the server asked, then continues', async () => {
  const h = await harness({ oaiPageSize: 500, faults: { 2: { kind: '503', retryAfter: 1 } } });
  try {
    await harvestOai(h.ctx, SET);
    const [, busy, retried] = h.server.requests;
    assert.equal(busy.status, 503);
    assert.equal(retried.params.resumptionToken, busy.params.resumptionToken);
    // Backoff is 10 ms in this harness, so a gap of a second can only come from Retry-After.
    assert.ok(retried.at - busy.at >= 950, `waited ${retried.at - busy.at} ms`);
    assert.equal(countPapers(h.db), 1000);
    assert.ok(h.logs.some((l) => /HTTP 503; retry 1\/2 in 1000 ms/.test(l)));
  } finally {
    await h.close();
  }
});

test('a connection dropped mid-body, a 500 and a timeout are retried', async () => {
  const h = await harness(
    // A timeout long enough that a loaded machine answers every healthy request within it.
    { oaiPageSize: 250, faults: { 2: { kind: 'drop' }, 4: { kind: '500' }, 6: { kind: 'slow', ms: 8000 } } },
    { timeoutMs: 2000 },
  );
  try {
    const s = await harvestOai(h.ctx, SET);
    assert.deepEqual(h.server.requests.map((r) => r.fault), [null, 'drop', null, '500', null, 'slow', null]);
    assert.equal(s.records, 1000);
    assert.equal(countPapers(h.db), oaiFixtureIds().length);
    assert.ok(h.logs.some((l) => /timed out after 2000 ms/.test(l)));
  } finally {
    await h.close();
  }
});

test('a page that stays malformed is retried, then reported; no partial rows; the next run resumes', async () => {
  const h = await harness({
    oaiPageSize: 400,
    faults: ({ params }) => (params.resumptionToken === 'hepth|400' && !healed ? { kind: 'malformed' } : null),
  });
  let healed = false;
  try {
    await assert.rejects(harvestOai(h.ctx, SET), (e: unknown) => {
      assert.ok(e instanceof RequestFailedError);
      assert.match(e.message, /^OAI-PMH ListRecords failed after 3 attempts: OAI-PMH: malformed XML/);
      assert.ok(!e.message.includes('\n'), 'one line');
      return true;
    });
    assert.equal(h.server.requests.length, 4, 'first page + 3 attempts at the second');
    assert.equal(countPapers(h.db), 400, 'exactly the first page, nothing from the broken one');
    const state = getCrawlState(h.db, 'oai', SET.set)!;
    assert.match(state.lastError ?? '', /malformed XML/);
    assert.equal((state.resume as OaiResume).token, 'hepth|400');

    healed = true;
    const s = await harvestOai(h.ctx, SET);
    assert.equal(h.server.requests[4].params.resumptionToken, 'hepth|400', 'resumed, not restarted');
    assert.equal(s.records, 600);
    assert.equal(countPapers(h.db), 1000);
    assert.equal(getCrawlState(h.db, 'oai', SET.set)!.lastError, null);
  } finally {
    await h.close();
  }
});

test('one request at a time, at least the configured delay apart', async () => {
  const h = await harness({ oaiPageSize: 200 }, { delayMs: 120 });
  try {
    const client = h.client;
    // Two crawls started together still queue on the one client.
    const other = new Promise((r) => setTimeout(r, 5)).then(() =>
      client.get(`${h.server.env.ARXIV_API_URL}?id_list=1605.08386`, (b) => b.length, 'probe'),
    );
    await Promise.all([harvestOai(h.ctx, SET), other]);
    const at = h.server.requests.map((r) => r.at);
    for (let i = 1; i < at.length; i++) assert.ok(at[i] - at[i - 1] >= 110, `gap ${at[i] - at[i - 1]} ms`);
    assert.equal(h.server.requests.length, 6);
  } finally {
    await h.close();
  }
});

test('an unreachable host fails after the configured attempts with a one-line error', async () => {
  const port = await freePort(); // nothing listens there once freePort returns
  const client = new ArxivClient({ delayMs: 0, timeoutMs: 2000, maxAttempts: 2, backoffMs: 5, maxRetryAfterMs: 1000, userAgent: 't' });
  await assert.rejects(client.get(`http://127.0.0.1:${port}/oai`, parseOaiPage, 'OAI-PMH ListRecords'), (e: unknown) => {
    assert.ok(e instanceof RequestFailedError);
    assert.equal(e.attempts, 2);
    assert.match(e.message, /failed after 2 attempts: connect ECONNREFUSED 127\.0\.0\.1:\d+ \(http:\/\/127/);
    return true;
  });
});

test('Retry-After and settings parse', () => {
  assert.equal(retryAfterMs('7'), 7000);
  assert.equal(retryAfterMs('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')), 10_000);
  assert.equal(retryAfterMs('soon'), null);
  assert.equal(retryAfterMs(null), null);
  const c = crawlerConfigFromEnv({});
  assert.equal(c.delayMs, 3000);
  assert.equal(c.rssUrl, 'https://rss.arxiv.org/rss');
  assert.match(c.userAgent, /papers-crawler/);
  assert.throws(() => crawlerConfigFromEnv({ ARXIV_DELAY_MS: 'fast' }), /ARXIV_DELAY_MS must be a number/);
  assert.throws(() => crawlerConfigFromEnv({ ARXIV_API_URL: 'ftp://x' }), /ARXIV_API_URL must be an http/);
});

test('API: an empty page inside the result range is asked again, not taken as the end', async () => {
  let emptied = 0;
  const h = await harness({
    transform: (path, body) => (path === '/api/query' && !emptied++ ? body.replace(/<entry>[\s\S]*<\/entry>/, '') : body),
  });
  try {
    const s = await crawlApiCategory(h.ctx, { category: 'cs.LG', from: '2026-04-01', until: '2026-04-01', pageSize: 10, limit: 10 });
    assert.equal(h.server.requests.length, 2);
    assert.equal(s.records, 10);
    assert.ok(h.logs.some((l) => /empty page at offset 0 of 214881/.test(l)));
  } finally {
    await h.close();
  }
});
