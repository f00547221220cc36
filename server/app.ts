// The Hono app. Tests call app.request() on it; server/main.ts serves it.
// Every HTML page has a JSON twin under /api/...; routes live in server/routes/,
// one file per page family, and are mounted here.
import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { PatternRouter } from 'hono/router/pattern-router';
import { bodyLimit } from 'hono/body-limit';
import type { Db } from '../db/client.ts';
import type { SearchEngine } from '../search/types.ts';
import type { Asset } from './assets.ts';
import { countPapers, allCrawlStates } from '../db/queries.ts';
import { papersRoutes } from './routes/papers.ts';
import { searchRoutes } from './routes/search.ts';
import { pagesRoutes } from './routes/pages.ts';
import { demosRoutes } from './routes/demos.tsx';
import { adminRoutes } from './routes/admin.ts';
import type { CrawlerStatus, CrawlTrigger } from '../scripts/crawler/scheduler.ts';
import type { Translator } from './translate.ts';
import { errorPage } from './views/errors.tsx';
import { MathService } from './math/service.ts';

export interface AppDeps {
  db: Db;
  /** Absent only in tests that do not search. */
  search?: SearchEngine;
  /** Bundled browser code and CSS (server/assets.ts). */
  assets?: Map<string, Asset>;
  /** Reports the scheduler's state; absent when no crawler runs in this process. */
  crawlerStatus?: () => CrawlerStatus;
  /** Translated reading (server/translate.ts: translatorFromEnv); absent: the toggle explains how to enable it. */
  translator?: Translator;
  /** When set, uncached translations with this bearer token skip the per-client budget, and /api/admin/* opens to it. */
  adminToken?: string;
  /** Starts a crawl round now (POST /api/admin/crawl); absent when no crawler runs in this process. */
  crawlNow?: () => CrawlTrigger;
  /** Typesetting for every page (server/math/service.ts); absent: one without a thread, over `db`'s cache. */
  math?: MathService;
}

/** What the routes get: AppDeps with its defaults filled in. */
export type RouteDeps = AppDeps & { math: MathService };

const MAX_URL_LENGTH = 16_384;
const MAX_BODY_BYTES = 256 * 1024;

export function createApp(appDeps: AppDeps): Hono {
  const deps: RouteDeps = { ...appDeps, math: appDeps.math ?? new MathService({ db: appDeps.db }) };
  // Old-style ids hold a slash (hep-th/9901001) and live beside category routes
  // (/arxiv/cs.LG); Hono's default router silently mismatches such regex params,
  // its PatternRouter (routes tried in order) does not. tests/server pins this.
  const app = new Hono({ router: new PatternRouter() });

  // Our own scripts only: no inline script, no eval, no third-party origin.
  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        workerSrc: ["'self'", 'blob:'],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
      },
      referrerPolicy: 'strict-origin-when-cross-origin',
      xContentTypeOptions: 'nosniff',
    }),
  );

  // Nothing legitimate needs a longer address or a bigger body; refuse before any work.
  app.use('*', async (c, next) => {
    const url = c.req.url;
    if (url.length > MAX_URL_LENGTH) return c.json({ error: `request address longer than ${MAX_URL_LENGTH} characters` }, 414);
    await next();
  });
  app.use('*', bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.json({ error: `request body larger than ${MAX_BODY_BYTES} bytes` }, 413) }));

  app.get('/healthz', (c) =>
    c.json({
      ok: true,
      papers: countPapers(deps.db),
      search: deps.search?.name ?? null,
      crawler: {
        ...(deps.crawlerStatus?.() ?? { enabled: false, running: false, lastRunAt: null, lastError: null, nextRunAt: null }),
        sources: allCrawlStates(deps.db),
      },
    }),
  );

  app.get('/static/:name', (c) => {
    const asset = deps.assets?.get(c.req.param('name'));
    if (!asset) return c.json({ error: 'no such asset' }, 404);
    if (c.req.header('if-none-match') === asset.etag) return c.body(null, 304);
    return c.body(asset.body, 200, { 'content-type': asset.type, etag: asset.etag, 'cache-control': 'public, max-age=300' });
  });

  app.route('/', adminRoutes(deps));
  app.route('/', searchRoutes(deps));
  app.route('/', papersRoutes(deps));
  app.route('/', pagesRoutes(deps));
  app.route('/', demosRoutes(deps));

  app.notFound((c) =>
    c.req.path.startsWith('/api/') || c.req.path.startsWith('/static/')
      ? c.json({ error: 'not found', path: c.req.path }, 404)
      : c.html(errorPage(404, 'Not found', 'There is no page at this address.'), 404),
  );
  app.onError((err, c) => {
    console.error(`error on ${c.req.method} ${c.req.path}: ${err.stack ?? err}`);
    return c.json({ error: 'internal error' }, 500);
  });
  return app;
}
