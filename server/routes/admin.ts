// Everything that changes state or spends on request lives under /api/admin/
// and needs ADMIN_TOKEN as a bearer token. Without ADMIN_TOKEN configured the
// whole family answers 403 "disabled", so a default install is read-only.
//   GET  /api/admin/status   crawler state and what each source last did
//   POST /api/admin/crawl    start a crawl round now (polite pacing unchanged)
import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono, type Context } from 'hono';
import type { AppDeps } from '../app.ts';
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

export function adminRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  const failures = new RateLimiter(FAILED_ATTEMPTS, FAILED_WINDOW_MS);

  app.use('/api/admin/*', async (c, next) => {
    if (!deps.adminToken) return c.json({ error: 'admin endpoints are disabled on this server (set ADMIN_TOKEN to enable them)' }, 403);
    const key = clientKey(c);
    if (!tokenMatches(bearerToken(c), deps.adminToken)) {
      if (!failures.take(key)) return c.json({ error: 'too many failed attempts; try again later' }, 429);
      c.header('www-authenticate', 'Bearer realm="papers admin"');
      return c.json({ error: 'send the admin token as "Authorization: Bearer <ADMIN_TOKEN>"' }, 401);
    }
    await next();
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
