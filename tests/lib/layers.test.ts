// Dependencies point down only (ARCHITECTURE.md): web and server on top;
// search and scripts (the crawler and importer, with their command-line
// wrappers) below them; db and lib at the bottom. A module may import its own
// layer or a lower one, never a higher one; tests and benchmarks may import anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ROOT } from '../helpers.ts';

/** What each top-level folder may import (besides itself, node: and npm packages). */
const MAY_IMPORT: Record<string, readonly string[]> = {
  lib: [],
  db: ['lib'],
  search: ['db', 'lib'],
  scripts: ['search', 'db', 'lib'],
  server: ['search', 'scripts', 'db', 'lib'],
  web: ['lib'],
};

/** Every relative import of a TypeScript source: static, dynamic, side-effect and `new URL(…, import.meta.url)` workers. */
export function importsOf(source: string): string[] {
  const out: string[] = [];
  // Comment lines may show an import as an example; they import nothing.
  source = source.replace(/^\s*(\/\/|\*|\/\*).*$/gm, '');
  const patterns = [
    /\bfrom\s+['"](\.{1,2}\/[^'"]+)['"]/g,
    /\bimport\s*\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g,
    /^\s*import\s+['"](\.{1,2}\/[^'"]+)['"]/gm,
    /new URL\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*,\s*import\.meta\.url\s*\)/g,
  ];
  for (const re of patterns) for (const m of source.matchAll(re)) out.push(m[1]);
  return out;
}

function layerOf(file: string): string {
  return relative(ROOT, file).split('/')[0];
}

test('no module imports from a layer above its own', () => {
  const wrong: string[] = [];
  let checked = 0;
  for (const layer of Object.keys(MAY_IMPORT)) {
    for (const f of readdirSync(join(ROOT, layer), { recursive: true }) as string[]) {
      if (!/\.tsx?$/.test(f)) continue;
      const file = join(ROOT, layer, f);
      for (const spec of importsOf(readFileSync(file, 'utf8'))) {
        checked++;
        const target = layerOf(resolve(dirname(file), spec));
        if (target !== layer && !MAY_IMPORT[layer].includes(target)) wrong.push(`${relative(ROOT, file)} imports ${spec} (${target})`);
      }
    }
  }
  assert.ok(checked > 100, `only ${checked} imports found: the scan is broken`);
  assert.deepEqual(wrong, []);
});

test('the scan sees every import form, so an arrow pointing up cannot hide', () => {
  const src = [
    "import { a } from '../server/app.ts';",
    "import type { B } from '../../web/x.ts';",
    "import './side-effect.ts';",
    "const m = await import('../scripts/y.ts');",
    "new Worker(new URL('../search/worker.ts', import.meta.url));",
    "import { c } from 'hono';",
  ].join('\n');
  assert.deepEqual(importsOf(src).sort(), ['../../web/x.ts', '../scripts/y.ts', '../search/worker.ts', '../server/app.ts', './side-effect.ts']);
  assert.deepEqual(importsOf("// import { x } from '../server/app.ts';\n * import('../web/y.ts')"), []);
});
