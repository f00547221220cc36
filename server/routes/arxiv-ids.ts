// Ids as people paste them: every form of one paper's id answers at one
// canonical address. `/arxiv/2601.1306`, `/arxiv/arXiv:2601.01306v2` and
// `/arxiv/https://arxiv.org/abs/2601.01306` are 301s to `/arxiv/2601.01306`;
// text meant as an id that is none (`/arxiv/2613.01306`) is a 400 that shows
// a good id. The JSON twins (`/api/arxiv/...`) answer the same way in JSON.
import { Hono, type Context } from 'hono';
import { EXAMPLE_ID, readIdInput } from '../../db/paper.ts';
import { errorPage } from '../views/errors.tsx';

/** The sentence every bad-id answer carries. */
export function badIdMessage(raw: string): string {
  const shown = raw.length > 80 ? `${raw.slice(0, 80)}…` : raw;
  return `“${shown}” is not an arXiv id. An id looks like ${EXAMPLE_ID} (papers since 2007; add v2 for a version) or hep-th/9901001 (older papers), and may be pasted as arXiv:${EXAMPLE_ID} or as an arxiv.org link.`;
}

export function badIdResponse(c: Context, raw: string, json: boolean): Response {
  const message = badIdMessage(raw);
  if (json) return c.json({ error: message, example: EXAMPLE_ID }, 400);
  return c.html(errorPage(400, 'Not an arXiv id', message), 400);
}

/** `/arxiv/<id><suffix>` plus the request's own query string. */
export function canonicalPath(c: Context, prefix: string, id: string, suffix = ''): string {
  const search = new URL(c.req.url).search;
  return `${prefix}${id}${suffix}${search}`;
}

/** Decodes one path segment; a stray `%` is read as written. */
export function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * The canonical id for a route's `:id` param, or the answer to send instead:
 * a 301 when the id was written another way (padding, version, prefix), a
 * 400 when it is not an id. `prefix`/`suffix` rebuild the address around it.
 */
export function canonicalIdOr(
  c: Context,
  raw: string,
  where: { prefix: string; suffix?: string; json: boolean },
): { id: string } | Response {
  const input = readIdInput(decodeSegment(raw));
  if (input.kind !== 'id') return badIdResponse(c, raw, where.json);
  if (input.id !== raw) return c.redirect(canonicalPath(c, where.prefix, input.id, where.suffix), 301);
  return { id: input.id };
}

/**
 * Routes under `/arxiv/` and `/api/arxiv/` for what the paper and search
 * routes did not take: a pasted `arXiv:` id, an arxiv.org URL, a malformed
 * id. Anything else (a category selection) passes on to the listings.
 */
export function pastedIdRoutes(): Hono {
  const app = new Hono();
  for (const prefix of ['/arxiv/', '/api/arxiv/']) {
    const json = prefix.startsWith('/api/');
    app.get(`${prefix}*`, (c, next) => {
      // The raw path, so an arxiv.org URL pasted after the prefix keeps its slashes.
      const raw = decodeSegment(new URL(c.req.url).pathname.slice(prefix.length));
      const input = readIdInput(raw);
      if (input.kind === 'other') return next();
      if (input.kind === 'malformed') return badIdResponse(c, raw, json);
      return c.redirect(canonicalPath(c, prefix, input.id), 301);
    });
  }
  return app;
}
