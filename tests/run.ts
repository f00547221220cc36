// Finds every tests/**/*.test.ts (Node 20's runner does not expand globs) and
// runs them with node's test runner under tsx. Arguments filter by path substring.
// The browser tests' Chromium is found (or unpacked) once here and handed to
// every test file as $CHROMIUM_PATH, so parallel files never unpack it twice.
import { readdirSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, relative } from 'node:path';
import { chromiumPath } from './chromium.ts';
import { readSetting } from '../lib/config.ts';

const root = join(import.meta.dirname, '..');
const filters = process.argv.slice(2);
const files = (readdirSync(join(root, 'tests'), { recursive: true }) as string[])
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => relative(root, join(root, 'tests', f)))
  .filter((f) => !filters.length || filters.some((s) => f.includes(s)))
  .sort();
if (!files.length) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}

/** A Chromium that answers --version; a half-unpacked one (a killed earlier run) is unpacked again. */
async function workingChromium(): Promise<string> {
  const path = await chromiumPath();
  if (spawnSync(path, ['--version'], { timeout: 30_000 }).status === 0) return path;
  if (!path.startsWith('/tmp/')) throw new Error(`Chromium at ${path} does not start`);
  rmSync(path, { force: true });
  const again = await (await import('@sparticuz/chromium')).default.executablePath();
  if (spawnSync(again, ['--version'], { timeout: 30_000 }).status !== 0) throw new Error(`Chromium at ${again} does not start`);
  return again;
}

process.env.CHROMIUM_PATH = await workingChromium();
const concurrency = readSetting('TEST_CONCURRENCY');
// A test that hangs fails after this long instead of stalling the run.
const timeout = readSetting('TEST_TIMEOUT_MS');
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, `--test-timeout=${timeout}`, ...files],
  { cwd: root, stdio: 'inherit' },
);
process.exit(r.status ?? 1);
