// Everything that changes state or spends on request lives under /api/admin/
// and needs ADMIN_TOKEN as a bearer token. Without ADMIN_TOKEN configured the
// whole family answers 403 "disabled", so a default install is read-only.
//   GET  /api/admin/status   crawler state and what each source last did
//   POST /api/admin/crawl    start a crawl round now (polite pacing unchanged)
//   DELETE /api/admin/translations/<id>[?lang=]   drop a paper's cached translations
import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono, type Context } from 'hono';
import type { RouteDeps } from '../app.ts';
import { ARXIV_ID_PATTERN, parseArxivId } from '../../db/paper.ts';
import { deleteTranslations } from '../../db/listings.ts';
import { allCrawlStates, countPapers } from '../../db/queries.ts';
import { clientKey, RateLimiter } from './page-util.ts';

/** Wrong tokens a client may send per window before it is refused outright. */
const FAILED_ATTEMPTS = 20;
const FAILED_WINDOW_MS = 10 * 60_000;

/** Compares digests so the time taken says nothing about how much of the token matched. */
export function tokenMatches(given: string | undefined, expected: string | undefined): boolean {
  if (!given || !expected) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function bearerToken(c: Context): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '');
  return m?.[1];
}

/**
 * The admin token check every route shares: a wrong token counts against the
 * client wherever it is sent, and past FAILED_ATTEMPTS per window the client
 * is refused even the right one.
 */
export class TokenGate {
  private readonly failures = new RateLimiter(FAILED_ATTEMPTS, FAILED_WINDOW_MS);
  constructor(private readonly token: string | undefined) {}

  /** `admin`: the right token; `none`: no token sent; `wrong`: a wrong one (counted); `blocked`: too many wrong ones. */
  check(c: Context): 'admin' | 'none' | 'wrong' | 'blocked' {
    const given = bearerToken(c);
    if (!given) return 'none';
    const key = clientKey(c);
    if (this.failures.exhausted(key)) return 'blocked';
    if (tokenMatches(given, this.token)) return 'admin';
    return this.failures.take(key) ? 'wrong' : 'blocked';
  }
}

export function adminRoutes(deps: RouteDeps): Hono {
  const app = new Hono();

  app.use('/api/admin/*', async (c, next) => {
    if (!deps.adminToken) return c.json({ error: 'admin endpoints are disabled on this server (set ADMIN_TOKEN to enable them)' }, 403);
    const verdict = deps.tokens.check(c);
    if (verdict === 'blocked') return c.json({ error: 'too many failed attempts; try again later' }, 429);
    if (verdict !== 'admin') {
      c.header('www-authenticate', 'Bearer realm="papers admin"');
      return c.json({ error: 'send the admin token as "Authorization: Bearer <ADMIN_TOKEN>"' }, 401);
    }
    await next();
  });

  app.delete(`/api/admin/translations/:id{${ARXIV_ID_PATTERN}}`, (c) => {
    const id = parseArxivId(c.req.param('id') ?? '')?.id;
    if (!id) return c.json({ error: 'not an arXiv id' }, 400);
    const lang = c.req.query('lang')?.toLowerCase();
    return c.json({ id, lang: lang ?? null, deleted: deleteTranslations(deps.db, id, lang) });
  });

  app.get('/api/admin/status', (c) =>
    c.json({
      papers: countPapers(deps.db),
      search: deps.search?.name ?? null,
      crawler: deps.crawlerStatus?.() ?? null,
      sources: allCrawlStates(deps.db),
    }),
  );

  app.post('/api/admin/crawl', (c) => {
    if (!deps.crawlNow) return c.json({ error: 'no crawler runs in this server (CRAWL=off)' }, 409);
    const r = deps.crawlNow();
    if (r.started) return c.json({ started: true, crawler: deps.crawlerStatus?.() ?? null }, 202);
    if (r.reason === 'too soon') {
      const s = Math.ceil((r.retryAfterMs ?? 1000) / 1000);
      c.header('retry-after', String(s));
      return c.json({ error: `the last crawl began too recently (CRAWL_MIN_GAP_S); try again in ${s} s` }, 429);
    }
    return c.json({ error: r.reason === 'running' ? 'a crawl is already running' : 'the crawler is disabled' }, 409);
  });

  return app;
}
