// Browser code lives in web/ as TypeScript; esbuild bundles it once at start
// (tens of milliseconds) and the server keeps the bundles in memory.
// Entry points: every web/*.ts and web/demos/*.page.ts / *.worker.ts; every web/*.css.
import { build } from 'esbuild';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB = join(dirname(fileURLToPath(import.meta.url)), '..', 'web');

export interface Asset {
  body: string;
  type: string;
}

function entries(): string[] {
  const list = (dir: string, keep: (f: string) => boolean) =>
    existsSync(dir) ? readdirSync(dir).filter(keep).map((f) => join(dir, f)) : [];
  return [
    ...list(WEB, (f) => f.endsWith('.ts') && !f.endsWith('.d.ts')),
    ...list(join(WEB, 'demos'), (f) => f.endsWith('.page.ts') || f.endsWith('.worker.ts')),
  ];
}

/** Bundles web/ into name -> asset, served under /static/<name>. */
export async function buildAssets(): Promise<Map<string, Asset>> {
  const out = new Map<string, Asset>();
  const add = (name: string, body: string, type: string) =>
    out.set(name, { body, type });
  const points = entries();
  if (points.length) {
    const result = await build({
      entryPoints: points,
      bundle: true,
      write: false,
      format: 'esm',
      target: 'es2022',
      minify: true,
      outdir: '/virtual',
      entryNames: '[name]',
      logLevel: 'silent',
    });
    for (const f of result.outputFiles) add(basename(f.path), f.text, 'text/javascript; charset=utf-8');
  }
  for (const f of existsSync(WEB) ? readdirSync(WEB) : []) {
    if (f.endsWith('.css')) add(f, readFileSync(join(WEB, f), 'utf8'), 'text/css; charset=utf-8');
  }
  return out;
}
