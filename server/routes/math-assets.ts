// The only MathJax the browser gets: the CHTML stylesheet (generated once
// from mathjax-full at first request) and the TeX web fonts it points at.
// Plus /api/math, which typesets one formula a page left pending (see
// MathService.render in server/math/service.ts).
import { Hono } from 'hono';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { MAX_TEX_LENGTH, mathStylesheet } from '../math/typeset.ts';
import type { MathService } from '../math/service.ts';
import { EncodedBody, type EncodingPolicy } from '../encoding.ts';

const FONT_DIR = join(dirname(createRequire(import.meta.url).resolve('mathjax-full/package.json')), 'es5', 'output', 'chtml', 'fonts', 'woff-v2');

/** The stylesheet is compressed once per encoding; fonts (WOFF, compressed already) go out as they are. */
export function mathAssetRoutes(math: MathService, encoding: EncodingPolicy): Hono {
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
  let css: EncodedBody | null = null;
  // The fonts MathJax ships, listed once: a name outside the list is a 404 and leaves nothing behind.
  const fontNames = new Set(readdirSync(FONT_DIR).filter((f) => f.endsWith('.woff')));
  const fonts = new Map<string, EncodedBody>();

  app.get('/math/mathjax.css', (c) => {
    css ??= new EncodedBody(mathStylesheet(), 'text/css; charset=utf-8');
    return css.respond(c, encoding, 'public, max-age=86400');
  });

  app.get('/math/fonts/:file{MathJax_[A-Za-z0-9-]+\\.woff}', (c) => {
    const file = c.req.param('file') ?? '';
    if (!fontNames.has(file)) return c.json({ error: 'no such font' }, 404);
    let font = fonts.get(file);
    if (!font) fonts.set(file, (font = new EncodedBody(new Uint8Array(readFileSync(join(FONT_DIR, file))), 'font/woff')));
    return font.respond(c, encoding, 'public, max-age=604800');
  });

  return app;
}
