// Runs every case of every JSON file in GOLDEN_DIR (default ../shared/golden) against
// web/demos/core. An unknown algorithm, case field or selection rule fails; nothing is skipped.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readSetting } from '../../lib/config.ts';
import { CHECKERS, checkScalarMapTable } from './checkers.ts';
import { Fields, parseTol } from './compare.ts';

// Default: the public cases kept in the repository (tests/fixtures/golden).
const GOLDEN_DIR = resolve(readSetting('GOLDEN_DIR'));
// Known fields. Any other key holding an object or array is data the runner cannot check, so it
// fails; extra scalar metadata (such as id.json's reference_call string) is allowed.
const FILE_KEYS = new Set(['schema_version', 'algorithm', 'title', 'split', 'generator', 'reference', 'conventions', 'cases', 'schedules', 'scalar_map', 'description', 'notes']);
const CASE_KEYS = new Set(['id', 'description', 'seed', 'input', 'expected', 'tol', 'notes']);

test(`golden folder ${GOLDEN_DIR} holds case files`, () => {
  assert.ok(existsSync(GOLDEN_DIR) && statSync(GOLDEN_DIR).isDirectory(), `GOLDEN_DIR ${GOLDEN_DIR} is not a folder`);
  assert.ok(files().length > 0, `no *.json case files in ${GOLDEN_DIR}`);
});

function files(): string[] {
  if (!existsSync(GOLDEN_DIR)) return [];
  return readdirSync(GOLDEN_DIR).filter((f) => f.endsWith('.json')).sort();
}

for (const name of files()) {
  let file: Record<string, unknown>;
  try {
    file = JSON.parse(readFileSync(join(GOLDEN_DIR, name), 'utf8'));
  } catch (err) {
    test(`${name} parses`, () => assert.fail(`${name}: ${(err as Error).message}`));
    continue;
  }
  describe(name, () => {
    const algorithm = String(file.algorithm);
    const checker = CHECKERS[algorithm];
    test('file header', () => {
      assert.ok(checker, `unknown algorithm "${algorithm}"`);
      assert.ok(Array.isArray(file.cases) && file.cases.length > 0, 'cases must be a non-empty list');
      if (file.schema_version !== undefined) assert.equal(file.schema_version, 1, 'schema_version');
      for (const [k, v] of Object.entries(file))
        assert.ok(FILE_KEYS.has(k) || v === null || typeof v !== 'object', `unknown top-level field "${k}"`);
      if (file.scalar_map !== undefined) {
        assert.equal(algorithm, 'msign', 'scalar_map belongs to msign files');
        checkScalarMapTable(file);
      }
    });
    const cases = Array.isArray(file.cases) ? (file.cases as Record<string, unknown>[]) : [];
    cases.forEach((c, i) => {
      test(String(c?.id ?? `case #${i}`), () => {
        assert.ok(checker, `unknown algorithm "${algorithm}"`);
        for (const [k, v] of Object.entries(c)) assert.ok(CASE_KEYS.has(k) || v === null || typeof v !== 'object', `unknown case field "${k}"`);
        const id = String(c.id);
        const input = new Fields(c.input as Record<string, unknown>, `${id} input`);
        const expected = new Fields(c.expected as Record<string, unknown>, `${id} expected`);
        checker({ id, input, expected, tol: parseTol(c.tol, id), file });
        input.finish();
        expected.finish();
      });
    });
  });
}
