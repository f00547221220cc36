// The Hono app. Tests call app.request() on it; server/main.ts serves it.
// Every HTML page has a JSON twin under /api/...; routes live in server/routes/,
// one file per page family, and are mounted here.
import { Hono, type Context } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { etag } from 'hono/etag';
import { PatternRouter } from 'hono/router/pattern-router';
import { bodyLimit } from 'hono/body-limit';
import type { Db } from '../db/client.ts';
import type { SearchEngine } from '../search/types.ts';
import type { Asset } from './assets.ts';
import { papersRoutes } from './routes/papers.ts';
import { searchRoutes } from './routes/search.ts';
import { pagesRoutes } from './routes/pages.ts';
import { demosRoutes } from './routes/demos.tsx';
import { adminRoutes, TokenGate } from './routes/admin.ts';
import { type ClientRate, sameOriginWrites, TokenBucket } from './routes/guard.ts';
import type { CrawlerStatus, CrawlTrigger } from '../scripts/crawler/scheduler.ts';
import type { Translator } from './translate.ts';
import type { OnDemand } from '../scripts/crawler/ondemand.ts';
import { ARXIV_READER, readerRoutes, type ReaderUrls } from './routes/reader.ts';
import { errorPage } from './views/errors.tsx';
import { SETTINGS } from '../lib/config.ts';
import { MathService } from './math/service.ts';
import { compression, EncodedBody, type EncodingPolicy } from './encoding.ts';
import { siteRoutes } from './routes/site.ts';
import { publicStatus } from './status.ts';
import type { Assistant } from './assistant/service.ts';
import { faqRoutes } from './routes/faq.ts';

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
  /** Costly routes per client (CLIENT_RATE_PER_S, CLIENT_BURST); absent: no limit. */
  clientRate?: ClientRate;
  /** Where the inline reader loads PDFs and HTML versions from (ARXIV_PDF_URL, ARXIV_HTML_URL); default arxiv.org. */
  reader?: ReaderUrls;
  /** Lookups at arXiv for ids the database lacks (scripts/crawler/ondemand.ts); absent: such ids are 404s with a link to arXiv. */
  onDemand?: OnDemand;
  /** Typesetting for every page (server/math/service.ts); absent: one without a thread, over `db`'s cache. */
  math?: MathService;
  /**
   * The site's address for absolute URLs (feeds, canonical links, OpenSearch), e.g. `https://papers.example.org`
   * (the PUBLIC_ORIGIN setting). Absent: the address the request came in on at our end of the socket (never
   * the Host header, which the client writes).
   */
  publicOrigin?: string;
  /** gzip/brotli on text responses (the COMPRESS setting); default on. */
  compress?: boolean;
  /** The reading assistant (server/assistant/service.ts: assistantFromConfig); absent: its API answers 503 and pages say it is not enabled. */
  assistant?: Assistant;
  /** New assistant answers per client per hour and per site per UTC day (FAQ_CLIENT_MAX, FAQ_DAILY_MAX); defaults when absent. */
  faqBudgets?: { clientMax: number; dailyMax: number };
}

/** What the routes get: AppDeps with its defaults filled in. */
export type RouteDeps = AppDeps & {
  math: MathService;
  encoding: EncodingPolicy;
  /** The origin absolute URLs start with (see AppDeps.publicOrigin). */
  origin: (c: Context) => string;
  /** The admin token check every route shares (wrong tokens counted once per client). */
  tokens: TokenGate;
};

/** Cache-Control for a successful GET that set none: feeds change at most with a crawl, pages and JSON sooner. */
function cacheControlFor(path: string): string {
  if (path === '/healthz' || path.startsWith('/api/admin')) return 'no-store';
  if (path.endsWith('/feed')) return 'public, max-age=900';
  return 'public, max-age=60';
}

/** Our end of the connection as an origin (`http://127.0.0.1:3000`), or localhost when there is no socket (app.request). */
export function listeningOrigin(c: Context): string {
  const socket = (c.env as { incoming?: { socket?: { localAddress?: string; localPort?: number } } } | undefined)?.incoming?.socket;
  const addr = socket?.localAddress?.replace(/^::ffff:/, '');
  if (!addr || !socket?.localPort) return 'http://localhost';
  return `http://${addr.includes(':') ? `[${addr}]` : addr}:${socket.localPort}`;
}

const MAX_URL_LENGTH = 16_384;

/** Routes whose answer is computed per request (search, related, keyword ranking, typesetting), not read from a cache. */
function isCostly(path: string, keywords: string | undefined): boolean {
  return /^\/(?:api\/)?(?:arxiv\/)?search(?:\/|$)|\/related$|^\/api\/related$|^\/api\/math$/.test(path) || !!keywords;
}
const MAX_BODY_BYTES = 256 * 1024;

export function createApp(appDeps: AppDeps): Hono {
  const encoding: EncodingPolicy = { compress: appDeps.compress ?? true };
  const fixedOrigin = appDeps.publicOrigin?.replace(/\/+$/, '');
  const reader = appDeps.reader ?? ARXIV_READER;
  const deps: RouteDeps = {
    ...appDeps,
    math: appDeps.math ?? new MathService({ db: appDeps.db }),
    encoding,
    origin: fixedOrigin ? () => fixedOrigin : listeningOrigin,
    tokens: new TokenGate(appDeps.adminToken),
  };
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
        // The inline reader: the browser fetches the PDF from arXiv and may frame arXiv's HTML version; nothing else.
        connectSrc: ["'self'", new URL(reader.pdfUrl).origin],
        frameSrc: ["'self'", new URL(reader.htmlUrl).origin],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
      },
      referrerPolicy: 'strict-origin-when-cross-origin',
      xContentTypeOptions: 'nosniff',
      // HSTS only for a site that says it is served over https; on plain HTTP the header means nothing, and
      // includeSubDomains would bind hosts this site does not run.
      strictTransportSecurity: appDeps.publicOrigin?.startsWith('https://') ? 'max-age=31536000' : false,
    }),
  );

  // Nothing legitimate needs a longer address or a bigger body; refuse before any work.
  app.use('*', async (c, next) => {
    const url = c.req.url;
    if (url.length > MAX_URL_LENGTH) return c.json({ error: `request address longer than ${MAX_URL_LENGTH} characters` }, 414);
    await next();
  });
  // ETags from Hono (a hash of the bytes sent) where a route set none, and 304s for a matching If-None-Match;
  // inside it, compression (server/encoding.ts), so the hash is that of the encoded bytes.
  // Not for event streams (the assistant's /events): hashing one would hold it back until it ends.
  const etags = etag();
  app.use('*', (c, next) => (isEventStream(c.req.path, c.req.header('accept')) ? next() : etags(c, next)));
  app.use('*', async (c, next) => {
    await next();
    if (c.req.method === 'GET' && c.res.status === 200 && !c.res.headers.has('cache-control')) {
      c.res.headers.set('cache-control', cacheControlFor(c.req.path));
    }
  });
  app.use('*', compression(encoding));
  app.use('*', bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.json({ error: `request body larger than ${MAX_BODY_BYTES} bytes` }, 413) }));

  // Spending and state-changing endpoints answer only this site's own pages (and scripts without a browser).
  app.use('/api/*', sameOriginWrites(deps.publicOrigin?.replace(/\/+$/, '')));

  // Searches, related papers, keyword-ranked listings and formula typesetting cost CPU per request: a bucket per client.
  const costly = new TokenBucket(deps.clientRate ?? { perSecond: 0, burst: 1 }).middleware();
  app.use('*', (c, next) => (isCostly(c.req.path, c.req.query('kw')) ? costly(c, next) : next()));

  // Counts and states only: paths and raw errors are at /api/admin/status (ADMIN_TOKEN).
  app.get('/healthz', (c) => c.json(publicStatus(deps.db, { crawlerStatus: deps.crawlerStatus, searchName: deps.search?.name ?? null })));

  // Bundles are compressed once per encoding (EncodedBody), on first request.
  const encodedAssets = new Map<string, EncodedBody>();
  app.get('/static/:name', (c) => {
    const name = c.req.param('name');
    const asset = deps.assets?.get(name);
    if (!asset) return c.json({ error: 'no such asset' }, 404);
    let body = encodedAssets.get(name);
    if (!body) encodedAssets.set(name, (body = new EncodedBody(asset.body, asset.type)));
    return body.respond(c, encoding, 'public, max-age=300');
  });

  app.route('/', siteRoutes(deps));

  app.route('/', adminRoutes(deps));
  app.route('/', faqRoutes(deps, deps.faqBudgets ?? { clientMax: SETTINGS.FAQ_CLIENT_MAX.default, dailyMax: SETTINGS.FAQ_DAILY_MAX.default }));
  app.route('/', searchRoutes(deps));
  app.route('/', papersRoutes(deps));
  app.route('/', readerRoutes(reader));
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

/** A request for a server-sent event stream: never hashed for an ETag, never compressed (both would buffer it). */
export function isEventStream(path: string, accept: string | undefined): boolean {
  return /\/events$/.test(path) || !!accept?.includes('text/event-stream');
}
