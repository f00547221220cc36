// Settings are declared once (lib/config.ts): the README's tables are
// generated from the declarations, nothing else reads the environment, every
// variable any file reads is declared, and a bad value is refused by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ConfigError, loadConfig, readSetting, SETTINGS } from '../../lib/config.ts';
import { README, withSettings } from '../../scripts/settings-doc.ts';
import { ROOT } from '../helpers.ts';

function sources(dirs: readonly string[]): string[] {
  return dirs.flatMap((d) =>
    (readdirSync(join(ROOT, d), { recursive: true }) as string[])
      .filter((f) => /\.tsx?$/.test(f) && !f.includes('node_modules'))
      .map((f) => join(ROOT, d, f)),
  );
}

test('README.md settings tables are exactly what lib/config.ts declares (npm run docs:settings)', () => {
  const readme = readFileSync(README, 'utf8');
  assert.equal(readme, withSettings(readme), 'README.md is out of date: run npm run docs:settings');
  for (const name of Object.keys(SETTINGS)) assert.match(readme, new RegExp(`\\| \`${name}\` \\|`), name);
});

test('only lib/config.ts reads process.env in the program; tests and benchmarks read declared variables only', () => {
  const program = sources(['server', 'search', 'scripts', 'db', 'lib', 'web']).filter((f) => !f.endsWith(join('lib', 'config.ts')));
  const readers = program.filter((f) => /process\.env\.\w|process\.env\[/.test(readFileSync(f, 'utf8')));
  assert.deepEqual(readers.map((f) => relative(ROOT, f)), []);
  const declared = new Set(Object.keys(SETTINGS));
  for (const f of sources(['tests', 'bench', 'server', 'search', 'scripts', 'db', 'web'])) {
    for (const m of readFileSync(f, 'utf8').matchAll(/process\.env\.([A-Z][A-Z0-9_]*)/g)) {
      assert.ok(declared.has(m[1]), `${relative(ROOT, f)} reads ${m[1]}, which lib/config.ts does not declare`);
    }
  }
});

test('defaults, parsing and every bad value named at once', () => {
  const c = loadConfig({});
  assert.equal(c.PORT, 3000);
  assert.equal(c.SEARCH_ENGINE, 'minisearch');
  assert.deepEqual(c.ARXIV_CATEGORIES, ['cs.LG', 'cs.CL', 'cs.CV', 'cs.AI', 'stat.ML']);
  assert.equal(c.CRAWL, true);
  assert.equal(c.TRANSLATE_API_URL, null);
  const d = loadConfig({ PORT: '8080', CRAWL: 'off', SEARCH_ENGINE: 'FTS5', ARXIV_CATEGORIES: ' math.NA , cs.LG ', TRANSLATE_API_URL: 'http://x/v1/' });
  assert.equal(d.PORT, 8080);
  assert.equal(d.CRAWL, false);
  assert.equal(d.SEARCH_ENGINE, 'fts5');
  assert.deepEqual(d.ARXIV_CATEGORIES, ['math.NA', 'cs.LG']);
  assert.equal(d.TRANSLATE_API_URL, 'http://x/v1');
  assert.equal(readSetting('PORT', { PORT: '  ' }), 3000, 'blank is unset');
  try {
    loadConfig({ PORT: '80a', SEARCH_ENGINE: 'lucene', MATH_WORKER: 'maybe', ARXIV_API_URL: 'ftp://x', ARXIV_CATEGORIES: 'cs LG' });
    assert.fail('bad values accepted');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    const names = err.problems.map((p) => p.split(' ')[0]).sort();
    assert.deepEqual(names, ['ARXIV_API_URL', 'ARXIV_CATEGORIES', 'MATH_WORKER', 'PORT', 'SEARCH_ENGINE']);
    assert.match(err.message, /PORT must be an integer >= 0 and <= 65535, got "80a"/);
  }
  assert.throws(() => readSetting('PORT', { PORT: '70000' }), /PORT must be an integer/);
  assert.throws(() => readSetting('PORT', { PORT: '1.5' }), /PORT must be an integer/);
});

test('the server refuses to start on a bad value and names it', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'server', 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, PORT: 'eighty', SEARCH_ENGINE: 'lucene', DATA_DIR: '/nonexistent-never-created' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /cannot start: bad settings: .*PORT must be an integer.*SEARCH_ENGINE must be "minisearch" or "fts5", got "lucene"/);
});
