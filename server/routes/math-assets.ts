// The only MathJax the browser gets: the CHTML stylesheet (generated once
// from mathjax-full at first request) and the TeX web fonts it points at.
// Plus /api/math, which typesets one formula a page left pending (see
// MathService.render in server/math/service.ts).
import { Hono } from 'hono';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { MAX_TEX_LENGTH, mathStylesheet } from '../math/typeset.ts';
import type { MathService } from '../math/service.ts';

const FONT_DIR = join(dirname(createRequire(import.meta.url).resolve('mathjax-full/package.json')), 'es5', 'output', 'chtml', 'fonts', 'woff-v2');

interface Cached {
  body: Uint8Array | string;
  etag: string;
}

function cached(body: Uint8Array | string): Cached {
  return { body, etag: '"' + createHash('sha1').update(body).digest('base64url').slice(0, 16) + '"' };
}

export function mathAssetRoutes(math: MathService): Hono {
  const app = new Hono();

  app.get('/api/math', async (c) => {
    const tex = c.req.query('tex') ?? '';
    const display = c.req.query('display') === '1';
    if (!tex.trim()) return c.json({ error: 'tex is required' }, 400);
    // Longer TeX is never typeset (pages show it as source), so it is refused here.
    if (tex.length > MAX_TEX_LENGTH) return c.json({ error: `tex is longer than ${MAX_TEX_LENGTH} characters` }, 400);
    // Read through the cache, but never written to it: the formula comes from the client.
    const t = await math.forClient(tex, display);
    return c.json({ tex, display, ok: t.ok, html: t.html }, 200, { 'cache-control': 'public, max-age=86400' });
  });
  let css: Cached | null = null;
  const fonts = new Map<string, Cached | null>();

  app.get('/math/mathjax.css', (c) => {
    css ??= cached(mathStylesheet());
    if (c.req.header('if-none-match') === css.etag) return c.body(null, 304);
    return c.body(css.body as string, 200, { 'content-type': 'text/css; charset=utf-8', etag: css.etag, 'cache-control': 'public, max-age=86400' });
  });

  app.get('/math/fonts/:file{MathJax_[A-Za-z0-9-]+\\.woff}', (c) => {
    const file = c.req.param('file') ?? '';
    if (!fonts.has(file)) {
      try {
        fonts.set(file, cached(new Uint8Array(readFileSync(join(FONT_DIR, file)))));
      } catch {
        fonts.set(file, null);
      }
    }
    const font = fonts.get(file);
    if (!font) return c.json({ error: 'no such font' }, 404);
    if (c.req.header('if-none-match') === font.etag) return c.body(null, 304);
    return c.body(font.body as Uint8Array<ArrayBuffer>, 200, { 'content-type': 'font/woff', etag: font.etag, 'cache-control': 'public, max-age=604800' });
  });

  return app;
}
