// Snapshot temp files: a writer killed mid-save leaves `<file>.<pid>.tmp`;
// the next start removes it, a live writer's temp file is kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeStaleTemps } from '../../search/snapshot.ts';
import { tempDir } from '../helpers.ts';

test('stale temp files of dead writers are removed at start; live writers\' and unrelated files stay', () => {
  const dir = tempDir();
  try {
    const file = join(dir.path, 'search.snapshot');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const names = [
      `search.snapshot.${dead}.tmp`,
      `search.snapshot.${dead}.bg.tmp`,
      `search.snapshot.${process.pid}.bg.tmp`,
      `search.snapshot.${process.ppid}.tmp`,
      'search.snapshot',
      'search.snapshot.notes',
      'other.snapshot.123.tmp',
    ];
    for (const n of names) writeFileSync(join(dir.path, n), 'x');
    assert.deepEqual(removeStaleTemps(file).sort(), [`search.snapshot.${dead}.bg.tmp`, `search.snapshot.${dead}.tmp`]);
    assert.deepEqual(readdirSync(dir.path).sort(), names.slice(2).sort());
    assert.deepEqual(removeStaleTemps(join(dir.path, 'missing', 'x')), []);
    assert.ok(existsSync(file));
  } finally {
    dir.cleanup();
  }
});
