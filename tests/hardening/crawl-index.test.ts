// The crawl CLI SIGKILLed at seeded moments against the arXiv fixture server
// (OAI-PMH, 10 pages), then resumed: the same papers as an uninterrupted run,
// and both search indexes (FTS5 by triggers, MiniSearch from its snapshot
// plus catch-up) hold exactly the database's papers. tests/crawler/resume.test.ts
// covers the database side in more depth; this adds the indexes.
import { test } from 'node:test';
import { readSetting } from '../../lib/config.ts';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { openDb } from '../../db/client.ts';
import { openSearch } from '../../search/index.ts';
import { type FixtureServer, startFixtureServer } from '../../scripts/fixture-server.ts';
import { ROOT, tempDir } from '../helpers.ts';
import { assertIndexesAgree, rng } from './agree.ts';

const SEED = readSetting('FAULT_SEED');
const ARGS = ['--source', 'oai', '--set', 'physics:hep-th', '--from', '2016-01-01'];

function crawl(server: FixtureServer, dataDir: string, killAfterPages: number | null, jitterMs = 0): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'crawl.ts'), ...ARGS], {
      cwd: ROOT,
      env: { ...process.env, ...server.env, DATA_DIR: dataDir, ARXIV_DELAY_MS: '15', ARXIV_BACKOFF_MS: '10' },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    let armed = false;
    child.stdout.on('data', (d) => {
      out += d;
      if (!armed && killAfterPages !== null && (out.match(/: page \d+:/g)?.length ?? 0) >= killAfterPages) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), jitterMs);
      }
    });
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
}

function idsAndVersions(dataDir: string): string[] {
  const db = openDb(join(dataDir, 'papers.db'));
  try {
    return (db.sqlite.prepare('SELECT id, version FROM papers ORDER BY id').raw().all() as unknown[][]).map((r) => r.join(' '));
  } finally {
    db.sqlite.close();
  }
}

test('crawl killed at seeded moments and resumed: same papers as one clean run, both indexes agree', async () => {
  const server = await startFixtureServer({ oaiPageSize: 100 });
  const ref = tempDir('hardening-crawl-ref-');
  const killed = tempDir('hardening-crawl-kill-');
  try {
    assert.equal((await crawl(server, ref.path, null)).code, 0);
    const expected = idsAndVersions(ref.path);
    assert.ok(expected.length >= 500);

    // Both indexes exist before the first crawl: FTS5 triggers in the file, a MiniSearch snapshot of the empty set.
    const db = openDb(join(killed.path, 'papers.db'));
    (await openSearch(db, { engine: 'fts5', dataDir: killed.path })).close();
    (await openSearch(db, { engine: 'minisearch', dataDir: killed.path })).close();
    db.sqlite.close();

    const random = rng(SEED);
    const outcomes: string[] = [];
    for (let round = 0; round < 3; round++) {
      const pages = 1 + Math.floor(random() * 3);
      const jitter = Math.floor(random() * 40);
      const r = await crawl(server, killed.path, pages, jitter);
      outcomes.push(`${pages}p+${jitter}ms:${r.signal ?? r.code}`);
      // Mid-crawl, the indexes already agree with whatever was committed.
      if (round === 1) await assertIndexesAgree(killed.path, `after kill ${round}`, SEED);
    }
    assert.ok(outcomes.some((o) => o.endsWith('SIGKILL')), outcomes.join(', '));
    assert.equal((await crawl(server, killed.path, null)).code, 0);
    const got = idsAndVersions(killed.path);
    assert.equal(new Set(got.map((x) => x.split(' ')[0])).size, got.length, 'no duplicates');
    assert.deepEqual(got, expected, outcomes.join(', '));
    await assertIndexesAgree(killed.path, 'after resume', SEED);
  } finally {
    await server.close();
    ref.cleanup();
    killed.cleanup();
  }
});
