// The in-server scheduler: runs the daily lists, survives arXiv being
// unreachable with one log line per round, and stops promptly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openDb } from '../../db/client.ts';
import { getCrawlState } from '../../db/queries.ts';
import type { CrawlerConfig } from '../../scripts/crawler/config.ts';
import { crawlerLine, startScheduler } from '../../scripts/crawler/scheduler.ts';
import { startFixtureServer } from '../../scripts/fixture-server.ts';
import { freePort, tempDir } from '../helpers.ts';
import { count } from './harness.ts';

function settings(base: string): CrawlerConfig {
  return {
    rssUrl: `${base}/rss`,
    apiUrl: `${base}/api/query`,
    oaiUrl: `${base}/oai`,
    delayMs: 5,
    timeoutMs: 2000,
    maxAttempts: 2,
    backoffMs: 10,
    maxRetryAfterMs: 1000,
    userAgent: 'papers-scheduler-test',
  };
}

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('scheduler: crawls each category now, one request at a time, and reports status', async () => {
  const server = await startFixtureServer({});
  const dir = tempDir('papers-sched-');
  const db = openDb(join(dir.path, 'papers.db'));
  const lines: string[] = [];
  const s = startScheduler({ db, categories: ['cs.LG', 'cs.AI', 'cs.CL'], intervalMs: 3_600_000, log: (l) => lines.push(l), config: settings(server.url) });
  try {
    assert.equal(s.status().enabled, true);
    await until(() => s.status().lastRunAt !== null);
    const st = s.status();
    assert.equal(st.running, false);
    assert.equal(st.lastError, null);
    assert.ok(st.nextRunAt! > Date.now() + 3_500_000);
    assert.equal(count(db, 'SELECT count(*) FROM announcements'), 9);
    assert.equal(count(db, "SELECT count(DISTINCT category) FROM announcements WHERE date = '2026-04-27'"), 3);
    for (const c of ['cs.LG', 'cs.AI', 'cs.CL']) assert.ok(getCrawlState(db, 'rss', c)?.lastSuccess);
    // The round's start, each category's result, the round's end.
    assert.equal(lines.length, 5);
    assert.match(lines[0], /^crawler: round started: 3 categories \(cs\.LG, cs\.AI, cs\.CL\)/);
    assert.match(lines[1], /^crawler: crawl rss cs\.LG: 3 records/);
    assert.match(lines[4], /^crawler: round finished: 3 categories read, 0 failed$/);
    assert.match(crawlerLine(st), /^last update \d\d:\d\d UTC$/);
    // Never two requests in flight: each starts after the previous one was answered.
    const paths = server.requests.map((r) => r.path);
    assert.deepEqual(paths, ['/rss/cs.LG', '/api/query', '/rss/cs.AI', '/api/query', '/rss/cs.CL', '/api/query']);
  } finally {
    await s.stop();
    db.sqlite.close();
    await server.close();
    dir.cleanup();
  }
});

test('scheduler: offline, it logs each retry and one clear line per round, keeps going, and stops at once', async () => {
  const port = await freePort();
  const dir = tempDir('papers-sched-off-');
  const db = openDb(join(dir.path, 'papers.db'));
  const lines: string[] = [];
  const s = startScheduler({ db, categories: ['cs.LG', 'cs.AI'], intervalMs: 1000, log: (l) => lines.push(l), config: settings(`http://127.0.0.1:${port}`) });
  try {
    const unreachable = () => lines.filter((l) => l.includes('arXiv unreachable'));
    await until(() => unreachable().length >= 2, 8000);
    assert.match(unreachable()[0], new RegExp(`^crawler: arXiv unreachable \\(ECONNREFUSED 127\\.0\\.0\\.1:${port}\\), retrying in 1 s$`));
    assert.equal(unreachable()[1], unreachable()[0], 'the next round tried again and said the same one line');
    // Each retry is logged when it happens, before the round gives up.
    const firstRetry = lines.findIndex((l) => /retry 1\/1/.test(l));
    assert.ok(firstRetry >= 0 && firstRetry < lines.indexOf(unreachable()[0]), lines.join('\n'));
    const st = s.status();
    if (!st.running) assert.match(crawlerLine(st), new RegExp(`^offline: cannot reach 127\\.0\\.0\\.1:${port} — next try \\d\\d:\\d\\d UTC$`));
    assert.match(st.lastError ?? '', /arXiv unreachable/);
    assert.match(getCrawlState(db, 'rss', 'cs.LG')?.lastError ?? '', /ECONNREFUSED/);
    assert.equal(getCrawlState(db, 'rss', 'cs.AI'), null, 'the round stops at the first sign of being offline');
  } finally {
    const t0 = Date.now();
    await s.stop();
    // Promptly: well before the 1 s round interval or any request timeout would end it (generous for a loaded machine).
    assert.ok(Date.now() - t0 < 10_000, 'stop() returns promptly');
    db.sqlite.close();
    dir.cleanup();
  }
});

test('scheduler: a bad setting disables it without throwing', async () => {
  const dir = tempDir('papers-sched-bad-');
  const db = openDb(join(dir.path, 'papers.db'));
  const lines: string[] = [];
  const saved = process.env.ARXIV_DELAY_MS;
  process.env.ARXIV_DELAY_MS = 'soon';
  try {
    const s = startScheduler({ db, categories: ['cs.LG'], intervalMs: 1000, log: (l) => lines.push(l) });
    assert.equal(s.status().enabled, false);
    assert.match(lines[0], /^crawler: disabled: ARXIV_DELAY_MS must be a number/);
    await s.stop();
  } finally {
    if (saved === undefined) delete process.env.ARXIV_DELAY_MS;
    else process.env.ARXIV_DELAY_MS = saved;
    db.sqlite.close();
    dir.cleanup();
  }
});
