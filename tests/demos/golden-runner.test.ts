// The golden runner itself: it must pass good cases from another GOLDEN_DIR and fail on a
// changed index selection, a value beyond tolerance, an unknown algorithm or an unknown field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { GOLDEN, ROOT, tempDir } from '../helpers.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function load(name: string): Json {
  return JSON.parse(readFileSync(join(GOLDEN, name), 'utf8'));
}

function withCase(file: Json, idx: number, id: string, edit: (c: Json) => void): Json {
  const c = structuredClone(file.cases[idx]);
  c.id = id;
  edit(c);
  return { ...file, cases: [c] };
}

test('GOLDEN_DIR: good cases pass, tampered and unknown ones fail', () => {
  const dir = tempDir('golden-runner-');
  try {
    const id = load('id.json');
    const topk = load('topk.json');
    const files: Record<string, Json> = {
      'good.json': withCase(id, 0, 'x/good', () => {}),
      'bad_idx.json': withCase(id, 0, 'x/bad_idx', (c) => {
        const s = c.expected.skeleton as number[];
        [s[0], s[1]] = [s[1], s[0]];
      }),
      'bad_value.json': withCase(topk, 0, 'x/bad_value', (c) => {
        c.expected.grad.p[0] += 1e-6;
      }),
      'bad_key.json': withCase(topk, 0, 'x/bad_key', (c) => {
        c.expected.grad.p_squared = [1, 2];
      }),
      'bad_algo.json': { ...withCase(id, 0, 'x/bad_algo', () => {}), algorithm: 'qr_magic' },
    };
    for (const [name, body] of Object.entries(files)) writeFileSync(join(dir.path, name), JSON.stringify(body));
    // A nested node --test run must not inherit the parent runner's child-process protocol.
    const env: NodeJS.ProcessEnv = { ...process.env, GOLDEN_DIR: dir.path };
    delete env.NODE_TEST_CONTEXT;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', 'tests/golden/golden.test.ts'], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
    });
    const out = r.stdout + r.stderr;
    assert.notEqual(r.status, 0, 'the run must fail');
    assert.match(out, /^\s*ok \d+ - x\/good$/m);
    for (const bad of ['x/bad_idx', 'x/bad_value', 'x/bad_key', 'x/bad_algo']) assert.match(out, new RegExp(`^\\s*not ok \\d+ - ${bad}$`, 'm'), bad);
    assert.match(out, /unknown algorithm "qr_magic"/);
    assert.match(out, /does not know how to check "p_squared"/);
  } finally {
    dir.cleanup();
  }
});

test('each tolerance the runner applies holds at 0.9× its bound and fails at 1.1×', async () => {
  const { closeArray, closeSingularValues, closeScalar } = await import('../golden/compare.ts');
  const exp = [3, -4, 12, 0.5];
  const norm = Math.hypot(...exp);
  const unit = [1, 1, -1, 1].map((x) => x / 2); // ‖unit‖ = 1
  const shifted = (size: number) => exp.map((x, i) => x + size * unit[i]);
  // rel_fro: ‖got − exp‖ ≤ rel_fro·‖exp‖.
  const relFro = 1e-6;
  closeArray(shifted(0.9 * relFro * norm), exp, { rel_fro: relFro }, 'rel_fro 0.9');
  assert.throws(() => closeArray(shifted(1.1 * relFro * norm), exp, { rel_fro: relFro }, 'rel_fro 1.1'), /rel_fro/);
  // abs: max |got − exp| ≤ abs (each entry moves by size/2).
  closeArray(shifted(2 * 0.9e-9), exp, { abs: 1e-9 }, 'abs 0.9');
  assert.throws(() => closeArray(shifted(2 * 1.1e-9), exp, { abs: 1e-9 }, 'abs 1.1'), /abs/);
  // rel_sv: elementwise |got − exp| ≤ rel_sv·|exp| + floor.
  const sv = [10, 2, 0.25];
  const relSv = 1e-8;
  const floor = 1e-15;
  const svAt = (k: number) => sv.map((s) => s + k * (relSv * s + floor));
  closeSingularValues(svAt(0.9), sv, { rel_sv: relSv, abs_sv_floor: floor }, 'rel_sv 0.9');
  assert.throws(() => closeSingularValues(svAt(1.1), sv, { rel_sv: relSv, abs_sv_floor: floor }, 'rel_sv 1.1'), /bound/);
  // Scalars: rel, and abs (or abs_lambda for λ).
  closeScalar(7 * (1 + 0.9e-10), 7, { rel: 1e-10 }, 'rel 0.9');
  assert.throws(() => closeScalar(7 * (1 + 1.1e-10), 7, { rel: 1e-10 }, 'rel 1.1'));
  closeScalar(7 + 0.9e-9, 7, { abs: 1e-9 }, 'abs 0.9');
  assert.throws(() => closeScalar(7 + 1.1e-9, 7, { abs: 1e-9 }, 'abs 1.1'), /abs/);
  closeScalar(7 + 0.9e-7, 7, { abs_lambda: 1e-7 }, 'abs_lambda 0.9', 'abs_lambda');
  assert.throws(() => closeScalar(7 + 1.1e-7, 7, { abs_lambda: 1e-7 }, 'abs_lambda 1.1', 'abs_lambda'), /abs/);
  // Near zero the floor is the bound.
  closeScalar(0.9e-12, 0, { rel: 1e-10, abs_error_floor: 1e-12 }, 'floor 0.9');
  assert.throws(() => closeScalar(1.1e-12, 0, { rel: 1e-10, abs_error_floor: 1e-12 }, 'floor 1.1'));
});
