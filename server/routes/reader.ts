// The inline reader's parts served by us: PDF.js (pdfjs-dist's module and its
// worker, from node_modules, read once) and where the browser loads a paper
// from (`/api/reader`: arXiv's PDF and HTML bases). The PDF itself is fetched
// by the reader's browser from arXiv: this server never stores or serves one.
import { Hono } from 'hono';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createHash } from 'node:crypto';

/** Where papers are read from; default arXiv's own addresses. */
export interface ReaderUrls {
  pdfUrl: string;
  htmlUrl: string;
}

export const ARXIV_READER: ReaderUrls = { pdfUrl: 'https://arxiv.org/pdf', htmlUrl: 'https://arxiv.org/html' };

const FILES = ['pdf.min.mjs', 'pdf.worker.min.mjs'] as const;

function pdfjsFiles(): Map<string, { body: string; etag: string }> {
  const build = join(dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json')), 'build');
  const out = new Map<string, { body: string; etag: string }>();
  for (const f of FILES) {
    const body = readFileSync(join(build, f), 'utf8');
    out.set(f, { body, etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 16)}"` });
  }
  return out;
}

export function readerRoutes(urls: ReaderUrls): Hono {
  const app = new Hono();
  let files: Map<string, { body: string; etag: string }> | null = null;
  app.get('/pdfjs/:name', (c) => {
    files ??= pdfjsFiles();
    const f = files.get(c.req.param('name'));
    if (!f) return c.json({ error: 'no such file' }, 404);
    if (c.req.header('if-none-match') === f.etag) return c.body(null, 304);
    return c.body(f.body, 200, { 'content-type': 'text/javascript; charset=utf-8', etag: f.etag, 'cache-control': 'public, max-age=86400' });
  });
  app.get('/api/reader', (c) => c.json({ pdf: urls.pdfUrl, html: urls.htmlUrl, viewer: '/pdfjs/pdf.min.mjs', worker: '/pdfjs/pdf.worker.min.mjs' }));
  return app;
}
