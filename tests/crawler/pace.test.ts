// Two crawler processes on one database keep the spacing of one: the send
// slots are reserved in the database (db/pace.ts), not in each process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { openDb } from '../../db/client.ts';
import { endTurn, takeTurn } from '../../db/pace.ts';
import { startFixtureServer } from '../../scripts/fixture-server.ts';
import { ROOT, tempDir } from '../helpers.ts';

test('one turn at a time across connections: a lease while in flight, the gap after it ends, no waiting on a locked database', () => {
  const dir = tempDir();
  const a = openDb(join(dir.path, 'papers.db'));
  const b = openDb(join(dir.path, 'papers.db'));
  try {
    const now = 1_000_000;
    assert.equal(takeTurn(a, 'arxiv.org', 10_000, now), 0, 'a free host is taken at once');
    assert.equal(takeTurn(b, 'arxiv.org', 10_000, now + 500), 9_500, 'in flight: wait for the lease');
    assert.equal(takeTurn(b, 'other.example', 10_000, now), 0, 'hosts are paced apart');
    endTurn(a, 'arxiv.org', 3000, now + 2000);
    assert.equal(takeTurn(b, 'arxiv.org', 10_000, now + 4000), 1000, 'the gap counts from the end of the request');
    assert.equal(takeTurn(b, 'arxiv.org', 10_000, now + 5000), 0);
    // A process killed mid-request holds the host only until its lease runs out.
    assert.equal(takeTurn(a, 'arxiv.org', 10_000, now + 15_001), 0);
    // While another connection holds the write lock, asking says "wait" instead of blocking.
    b.sqlite.prepare('BEGIN IMMEDIATE').run();
    assert.ok(takeTurn(a, 'third.example', 10_000, now) > 0);
    b.sqlite.prepare('ROLLBACK').run();
  } finally {
    a.sqlite.close();
    b.sqlite.close();
    dir.cleanup();
  }
});

test('a CLI harvest and a CLI RSS crawl at the same time: no upstream request starts within ARXIV_DELAY_MS of the one before', async () => {
  const DELAY = 250;
  const server = await startFixtureServer({ oaiPageSize: 100 });
  const dir = tempDir();
  // Create the schema first so the two processes do not race to migrate.
  openDb(join(dir.path, 'papers.db')).sqlite.close();
  const crawl = (args: string[]) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'crawl.ts'), ...args], {
        cwd: ROOT,
        env: { ...process.env, ...server.env, DATA_DIR: dir.path, ARXIV_DELAY_MS: String(DELAY), ARXIV_BACKOFF_MS: '10' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      child.on('exit', (code) => resolve({ code, out }));
    });
  try {
    const [oai, rss] = await Promise.all([
      crawl(['--source', 'oai', '--set', 'physics:hep-th', '--from', '2016-01-01']),
      crawl(['--source', 'rss', '--category', 'cs.LG,cs.CL,cs.AI']),
    ]);
    assert.equal(oai.code, 0, oai.out);
    assert.equal(rss.code, 0, rss.out);
    const reqs = server.requests;
    const oaiTimes = reqs.filter((r) => r.path === '/oai').map((r) => r.at);
    const otherTimes = reqs.filter((r) => r.path !== '/oai').map((r) => r.at);
    assert.ok(oaiTimes.length >= 4 && otherTimes.length >= 4, `${oaiTimes.length} OAI and ${otherTimes.length} other requests`);
    // The two crawls really ran at the same time: their requests interleave.
    assert.ok(otherTimes[0] < oaiTimes.at(-1)! && oaiTimes[0] < otherTimes.at(-1)!, 'the crawls overlapped');
    const gaps = reqs.slice(1).map((r, i) => r.at - reqs[i].at);
    // Timers may fire a few ms early relative to another process's clock reading.
    assert.ok(Math.min(...gaps) >= DELAY - 15, `smallest gap ${Math.min(...gaps)} ms of ${gaps.length}`);
  } finally {
    await server.close();
    dir.cleanup();
  }
});
