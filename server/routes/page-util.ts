// Small helpers shared by the page routes: bounded integers from the query
// string, a rendered-page cache that empties itself when the data changes,
// and a per-client rate limit.
import type { Context } from 'hono';
import { LRUCache } from 'lru-cache';
import type { Db } from '../../db/client.ts';
import { changesOf } from '../../db/changes.ts';
import { errorPage } from '../views/errors.tsx';
import type { Rendered } from '../math/service.ts';
import { EncodedBody } from '../encoding.ts';

export const CHUNK = 25;

const HTML = 'text/html; charset=UTF-8';

/** Cache-Control of reading pages and their JSON twins: a minute (a crawl may add papers). */
export const PAGE_CACHE_CONTROL = 'public, max-age=60';

/** An integer query parameter clamped to [min, max]; anything unparsable is the default. */
export function clampedIntParam(v: string | undefined, def: number, min: number, max: number): number {
  if (v == null || !/^\d{1,9}$/.test(v)) return def;
  return Math.min(max, Math.max(min, Number(v)));
}

export function isoDay(v: string | undefined): string | null {
  return v && /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : null;
}

export function htmlNotFound(c: Context, message: string) {
  return c.html(errorPage(404, 'Not found', message), 404);
}

/** Keys longer than this are rendered every time, never kept (keys come from addresses readers choose). */
export const MAX_CACHE_KEY = 512;

/** Bytes a page entry holds: the string (UTF-16), its UTF-8 bytes, and room for a brotli and a gzip copy. */
function pageBytes(body: string, key: string): number {
  return 2 * key.length + 2 * body.length + body.length + Math.ceil(body.length / 2) + 64;
}

/**
 * Rendered pages by key, valid while no ingest changed the database (the
 * papers' change counter) and for at most `ttlMs` (the search index and
 * related papers also move). An LRU bounded in bytes (`maxBytes`), so
 * neither many pages nor big ones can grow it past its budget.
 */
export class PageCache {
  private readonly entries: LRUCache<string, { at: number; seq: number; body: string; encoded?: EncodedBody }>;
  constructor(
    private db: Db,
    maxBytes = 64 * 1024 * 1024,
    private ttlMs = 10 * 60_000,
  ) {
    this.entries = new LRUCache({ maxSize: maxBytes, sizeCalculation: (v, k) => pageBytes(v.body, k) });
  }

  /** Bytes the cached pages take, by the accounting above. */
  get bytes(): number {
    return this.entries.calculatedSize;
  }

  /**
   * The cached body, or a fresh render (which may wait on the search or
   * typesetting thread); a render that left formulas pending is served but
   * not kept, so the next reader gets them typeset.
   */
  async getAsync(key: string, render: () => Promise<Rendered>): Promise<string> {
    const seq = changesOf(this.db).current();
    const hit = this.fresh(key, seq);
    if (hit !== undefined) return hit;
    const { html, pending } = await render();
    return pending ? html : this.store(key, seq, html);
  }

  /**
   * Like getAsync, as a whole HTML page kept with its compressed forms
   * (EncodedBody: each encoding made once, on first request, and its ETag).
   */
  async getPage(key: string, render: () => Promise<Rendered>): Promise<EncodedBody> {
    const seq = changesOf(this.db).current();
    const hit = this.entries.get(key);
    if (hit && hit.seq === seq && Date.now() - hit.at < this.ttlMs) return (hit.encoded ??= new EncodedBody(hit.body, HTML));
    const { html, pending } = await render();
    const encoded = new EncodedBody(html, HTML);
    if (!pending) {
      this.store(key, seq, html);
      const kept = this.entries.get(key);
      if (kept) kept.encoded = encoded;
    }
    return encoded;
  }

  private fresh(key: string, seq: number): string | undefined {
    const hit = this.entries.get(key);
    return hit && hit.seq === seq && Date.now() - hit.at < this.ttlMs ? hit.body : undefined;
  }

  private store(key: string, seq: number, body: string): string {
    if (key.length <= MAX_CACHE_KEY) this.entries.set(key, { at: Date.now(), seq, body });
    return body;
  }
}

/** Who is asking: the socket's address when served by @hono/node-server, else a shared key. */
export function clientKey(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? 'local';
}

/**
 * A fixed-window counter per client: at most `limit` events per `windowMs`.
 * Clients live in an LRU bounded in bytes: many new keys (an IPv6 address
 * rotation) evict the least recently seen, never everyone's counts at once.
 */
export class RateLimiter {
  private readonly windows: LRUCache<string, { start: number; count: number }>;
  constructor(
    private limit: number,
    private windowMs: number,
    maxBytes = 2 * 1024 * 1024,
  ) {
    this.windows = new LRUCache({ maxSize: maxBytes, sizeCalculation: (_v, k) => 48 + 2 * k.length });
  }

  take(key: string, n = 1, now = Date.now()): boolean {
    let w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs) {
      w = { start: now, count: 0 };
      this.windows.set(key, w);
    }
    if (w.count + n > this.limit) return false;
    w.count += n;
    return true;
  }

  /** True when `key` has used its whole allowance in the current window (nothing is counted). */
  exhausted(key: string, now = Date.now()): boolean {
    const w = this.windows.get(key);
    return !!w && now - w.start < this.windowMs && w.count >= this.limit;
  }

  /** Bytes the counters take. */
  get bytes(): number {
    return this.windows.calculatedSize;
  }
}
