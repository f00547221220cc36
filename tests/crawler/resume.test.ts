// The CLI as a child process: SIGKILLed at seeded moments, resumed, and
// compared with an uninterrupted run; plus its exit codes.
import { test } from 'node:test';
import { readSetting } from '../../lib/config.ts';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { openDb } from '../../db/client.ts';
import { getCrawlState } from '../../db/queries.ts';
import type { OaiResume } from '../../scripts/crawler/crawls.ts';
import { type FixtureServer, startFixtureServer } from '../../scripts/fixture-server.ts';
import { ROOT, rng, tempDir } from '../helpers.ts';
import { oaiFixtureIds } from './harness.ts';

const SEED = readSetting('CRAWL_TEST_SEED');
const ARGS = ['--source', 'oai', '--set', 'physics:hep-th', '--from', '2016-01-01'];


interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function crawl(server: FixtureServer, dataDir: string, args: string[], env: Record<string, string> = {}, killWhen?: (stdout: string) => number | null): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'crawl.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...server.env, DATA_DIR: dataDir, ARXIV_DELAY_MS: '15', ARXIV_BACKOFF_MS: '10', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let armed = false;
    child.stdout.on('data', (d) => {
      stdout += d;
      const delay = !armed && killWhen ? killWhen(stdout) : null;
      if (delay != null) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), delay);
      }
    });
    child.stderr.on('data', (d) => (stderr += d));
    if (killWhen && !armed) {
      const delay = killWhen('');
      if (delay != null) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), delay);
      }
    }
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

function dump(dataDir: string) {
  const db = openDb(join(dataDir, 'papers.db'));
  try {
    return {
      papers: db.sqlite
        .prepare('SELECT id, version, title, abstract, authors, categories, published, updated, comments, journal_ref, doi, license, sort_date FROM papers ORDER BY id')
        .all(),
      categories: db.sqlite.prepare('SELECT category, paper_id, is_primary FROM paper_categories ORDER BY category, paper_id').all(),
      distinct: db.sqlite.prepare('SELECT count(DISTINCT id) FROM papers').pluck().get(),
      resume: getCrawlState(db, 'oai', 'physics:hep-th')?.resume as OaiResume | undefined,
    };
  } finally {
    db.sqlite.close();
  }
}

test('kill -9 at seeded moments, resume: same rows as an uninterrupted run', async (t) => {
  const server = await startFixtureServer({ oaiPageSize: 100 });
  const ref = tempDir('papers-crawl-ref-');
  const killed = tempDir('papers-crawl-kill-');
  try {
    const whole = await crawl(server, ref.path, ARGS);
    assert.equal(whole.code, 0, whole.stderr);
    assert.match(whole.stdout, /^crawl oai physics:hep-th: 1000 records in 10 pages \(1000 added, 0 updated, 0 unchanged\)$/m);
    const expected = dump(ref.path);
    assert.equal(expected.papers.length, oaiFixtureIds().length);

    const random = rng(SEED);
    const outcomes: string[] = [];
    let resumedWithToken = 0;
    for (let round = 0; round < 4; round++) {
      const before = dump(killed.path).resume;
      const firstRequest = server.requests.length;
      const last = round === 3;
      // Kill after 0-3 more committed pages, 0-40 ms into the next one; the last round runs to the end.
      // The first kill comes after at least one committed page, so some run must resume from a token.
      const pages = round === 0 ? 1 + Math.floor(random() * 3) : Math.floor(random() * 4);
      const jitter = Math.floor(random() * 40);
      const run = await crawl(server, killed.path, ARGS, {}, last ? undefined : (out) => ((out.match(/: page \d+:/g)?.length ?? 0) >= pages ? jitter : null));
      outcomes.push(`${pages}p+${jitter}ms:${run.signal ?? run.code}`);
      if (before?.token && server.requests.length > firstRequest) {
        // A resumed run asks for the saved token first, not for page 1 again.
        assert.equal(server.requests[firstRequest].params.resumptionToken, before.token, `round ${round}`);
        resumedWithToken++;
      }
      if (last) assert.equal(run.code, 0, run.stderr);
    }
    t.diagnostic(`seed ${SEED}: ${outcomes.join(', ')}; resumed from a token ${resumedWithToken} times`);
    assert.ok(outcomes.filter((o) => o.endsWith('SIGKILL')).length >= 2, `runs: ${outcomes.join(', ')}`);
    assert.ok(resumedWithToken >= 1, `at least one run resumed from a saved token (${outcomes.join(', ')})`);

    const got = dump(killed.path);
    assert.equal(got.resume?.token, null);
    assert.equal(got.distinct, got.papers.length, 'no duplicates');
    assert.deepEqual(got.papers, expected.papers);
    assert.deepEqual(got.categories, expected.categories);
  } finally {
    await server.close();
    ref.cleanup();
    killed.cleanup();
  }
});

test('CLI: repeated failure and bad flags exit 1 with one line', async () => {
  const server = await startFixtureServer({ faults: () => ({ kind: '500' }) });
  const dir = tempDir('papers-crawl-fail-');
  try {
    const failed = await crawl(server, dir.path, ARGS, { ARXIV_MAX_ATTEMPTS: '3' });
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /^crawl: failed: OAI-PMH ListRecords failed after 3 attempts: HTTP 500 \(http:\/\/127\.0\.0\.1:\d+\/oai\?[^\n]*\)\n$/);
    assert.equal(server.requests.length, 3);
    assert.match(failed.stdout, /retry: .*HTTP 500; retry 1\/2/);

    const bad = await crawl(server, dir.path, ['--source', 'oai', '--set', 'cs:cs:LG', '--from', 'yesterday']);
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, 'crawl: --from must be a date YYYY-MM-DD, got "yesterday" (see --help)\n');
    assert.equal(server.requests.length, 3, 'bad flags send nothing');
  } finally {
    await server.close();
    dir.cleanup();
  }
});
