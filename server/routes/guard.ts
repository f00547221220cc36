// Guards in front of the routes that spend or cost: requests from other sites
// refused on every state-changing /api route, and a token bucket per client
// for the routes that are expensive to answer (search, related, /api/math).
import type { Context, MiddlewareHandler } from 'hono';
import { LRUCache } from 'lru-cache';
import { clientKey } from './page-util.ts';

const SAFE_METHOD = /^(GET|HEAD|OPTIONS)$/;

/**
 * Refuses writes another site's page could make a reader's browser send:
 * any non-GET whose `Origin` is not this site's (`publicOrigin`, else the
 * address the request came to) or whose `Sec-Fetch-Site` says cross-site or
 * same-site (403), and any body that is not JSON (415: a page on another site
 * can send text/plain or a form without asking, but not JSON). This is the
 * Origin check of Hono's `csrf` extended to bodiless posts and JSON, which
 * that middleware leaves alone. Requests without these headers (curl,
 * scripts) pass: they carry no reader's cookies or budget.
 */
export function sameOriginWrites(publicOrigin?: string | null): MiddlewareHandler {
  const ownOrigin = (c: Context) => publicOrigin ?? new URL(c.req.url).origin;
  return async (c, next) => {
    if (SAFE_METHOD.test(c.req.method)) return next();
    const site = c.req.header('sec-fetch-site');
    const origin = c.req.header('origin');
    if ((site && site !== 'same-origin' && site !== 'none') || (origin && origin !== ownOrigin(c))) {
      return c.json({ error: 'requests from other sites are refused' }, 403);
    }
    const hasBody = c.req.raw.body !== null && c.req.header('content-length') !== '0';
    const type = (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (hasBody && type !== 'application/json') return c.json({ error: 'send JSON (Content-Type: application/json)' }, 415);
    return next();
  };
}

/** Requests per second and burst a client may spend on the costly routes; `perSecond` 0 turns the bucket off. */
export interface ClientRate {
  perSecond: number;
  burst: number;
}

/**
 * A token bucket per client: `burst` requests at once, refilled at
 * `perSecond`. Clients are kept in an LRU bounded in bytes (an address
 * rotation evicts the least recent, it never resets everyone).
 */
export class TokenBucket {
  private readonly buckets: LRUCache<string, { tokens: number; at: number }>;
  constructor(
    private readonly rate: ClientRate,
    maxBytes = 2 * 1024 * 1024,
  ) {
    this.buckets = new LRUCache({ maxSize: maxBytes, sizeCalculation: (_v, k) => 48 + 2 * k.length });
  }

  /** Takes one token for `key`; false when the client must wait. */
  take(key: string, now = Date.now()): boolean {
    if (this.rate.perSecond <= 0) return true;
    const b = this.buckets.get(key) ?? { tokens: this.rate.burst, at: now };
    b.tokens = Math.min(this.rate.burst, b.tokens + ((now - b.at) / 1000) * this.rate.perSecond);
    b.at = now;
    const ok = b.tokens >= 1;
    if (ok) b.tokens -= 1;
    this.buckets.set(key, b);
    return ok;
  }

  /** Bytes the clients' buckets take (for tests and status). */
  get bytes(): number {
    return this.buckets.calculatedSize;
  }

  /** The bucket as middleware: 429 with Retry-After when the client has run dry. */
  middleware(): MiddlewareHandler {
    return async (c, next) => {
      if (this.take(clientKey(c))) return next();
      c.header('retry-after', String(Math.max(1, Math.ceil(1 / Math.max(this.rate.perSecond, 1e-3)))));
      return c.json({ error: 'too many requests from this client; slow down' }, 429);
    };
  }
}
