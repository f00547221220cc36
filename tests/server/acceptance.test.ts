// The ingest issue's acceptance, end to end: `npm run import` of the real
// corpus into a fresh DATA_DIR, then the server on that DATA_DIR reports the
// count at /healthz and serves any of those papers at /api/papers/:id.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CORPUS, ROOT, corpusLines, startServer, tempDir } from '../helpers.ts';
import { normalizeSpace } from '../../db/paper.ts';

test('import the corpus, then serve it: /healthz counts every line, /api/papers serves any of them', async () => {
  const dir = tempDir();
  let server: Awaited<ReturnType<typeof startServer>> | null = null;
  try {
    const imported = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/import.ts'), '--quiet', CORPUS], {
      cwd: ROOT,
      env: { ...process.env, DATA_DIR: dir.path },
      encoding: 'utf8',
    });
    assert.equal(imported.status, 0, imported.stderr);
    const records = (await corpusLines()).map((l) => JSON.parse(l) as { id: string; title: string });
    assert.match(imported.stdout, new RegExp(`${records.length} valid, 0 malformed`));

    server = await startServer({ DATA_DIR: dir.path, SEARCH_ENGINE: 'fts5' }, 120_000);
    const health = await (await fetch(`${server.url}/healthz`)).json();
    assert.equal(health.papers, records.length);

    // Every 97th record, plus every old-style id, plus a versioned form.
    const sample = records.filter((r, i) => i % 97 === 0 || r.id.includes('/'));
    for (const r of sample) {
      const res: Response = await fetch(`${server.url}/api/papers/${r.id}`);
      assert.equal(res.status, 200, r.id);
      const p = (await res.json()) as { id: string; title: string };
      assert.equal(p.id, r.id);
      assert.equal(p.title, normalizeSpace(r.title));
    }
    const versioned = await fetch(`${server.url}/api/papers/${sample[1].id}v1`);
    assert.equal(versioned.status, 200);
    const unknown = await fetch(`${server.url}/api/papers/2405.99999`);
    assert.equal(unknown.status, 404);
  } finally {
    await server?.stop();
    dir.cleanup();
  }
});
