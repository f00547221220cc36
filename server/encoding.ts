// Content encoding (brotli, gzip) with node's zlib, and strong ETags.
// Hono's `compress` middleware compresses every response anew through a
// CompressionStream (gzip/deflate only); a page the server keeps in a cache
// should be compressed once per encoding instead, so cached bodies are
// EncodedBody values that compress lazily and remember the result. Everything
// else passes through `compression()`, which compresses per response.
// ETags on responses without one come from Hono's `etag` middleware (app.ts);
// an EncodedBody carries its own, one per encoding, so nothing is hashed per request.
import { createHash } from 'node:crypto';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Context, MiddlewareHandler } from 'hono';

export type Encoding = 'br' | 'gzip' | 'identity';

/** Bodies smaller than this go out as they are: the saving would not pay for the work. */
export const MIN_COMPRESS_BYTES = 1024;

const COMPRESSIBLE = /^(text\/|application\/(json|javascript|xml|atom\+xml|opensearchdescription\+xml)|image\/svg\+xml)/i;

/** The encoding to send for an Accept-Encoding header: brotli, then gzip, each unless refused with q=0. */
export function pickEncoding(accept: string | undefined | null): Encoding {
  if (!accept) return 'identity';
  const q = new Map<string, number>();
  for (const part of accept.toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';');
    const qp = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    q.set(name.trim(), qp ? Number(qp.slice(2)) || 0 : 1);
  }
  const ok = (name: string) => (q.get(name) ?? q.get('*') ?? 0) > 0;
  if (ok('br')) return 'br';
  if (ok('gzip')) return 'gzip';
  return 'identity';
}

/**
 * Compresses with settings for a body compressed once and served many times
 * (`once`: brotli quality 9) or per response (quality 4, about as fast as gzip -6).
 */
export function encode(body: Uint8Array, enc: Exclude<Encoding, 'identity'>, once: boolean): Uint8Array {
  if (enc === 'gzip') return gzipSync(body, { level: once ? 9 : 6 });
  return brotliCompressSync(body, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: once ? 9 : 4,
      [constants.BROTLI_PARAM_SIZE_HINT]: body.byteLength,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
    },
  });
}

/** Whether compression is on for this app (the COMPRESS setting); read by EncodedBody and compression(). */
export interface EncodingPolicy {
  compress: boolean;
}

/**
 * A response body kept in memory (a cached page, a bundle, the math
 * stylesheet) with its strong ETag, compressed at most once per encoding.
 */
export class EncodedBody {
  readonly raw: Uint8Array;
  private readonly tag: string;
  private readonly variants = new Map<Encoding, Uint8Array>();

  constructor(
    body: string | Uint8Array,
    readonly type: string,
  ) {
    this.raw = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    this.tag = createHash('sha1').update(this.raw).digest('base64url').slice(0, 20);
  }

  /** The bytes and ETag to send for an Accept-Encoding header. */
  variant(accept: string | undefined | null, policy: EncodingPolicy): { enc: Encoding; bytes: Uint8Array; etag: string } {
    const compressible = policy.compress && this.raw.byteLength >= MIN_COMPRESS_BYTES && COMPRESSIBLE.test(this.type);
    const enc = compressible ? pickEncoding(accept) : 'identity';
    if (enc === 'identity') return { enc, bytes: this.raw, etag: `"${this.tag}"` };
    let bytes = this.variants.get(enc);
    if (!bytes) {
      bytes = encode(this.raw, enc, true);
      this.variants.set(enc, bytes);
    }
    return { enc, bytes, etag: `"${this.tag}-${enc}"` };
  }

  /** The response for this request: the right encoding, its ETag, Vary, and the given Cache-Control. */
  respond(c: Context, policy: EncodingPolicy, cacheControl: string, status: 200 = 200): Response {
    const v = this.variant(c.req.header('accept-encoding'), policy);
    const headers: Record<string, string> = { 'content-type': this.type, etag: v.etag, 'cache-control': cacheControl };
    if (COMPRESSIBLE.test(this.type)) headers.vary = 'Accept-Encoding';
    if (v.enc !== 'identity') headers['content-encoding'] = v.enc;
    return c.body(v.bytes as Uint8Array<ArrayBuffer>, status, headers);
  }
}

/**
 * Compresses text responses that are not already encoded and carry no ETag of
 * their own (those are EncodedBody responses, compressed once already).
 * Mount inside Hono's `etag()` so the ETag is that of the bytes sent.
 */
export function compression(policy: EncodingPolicy): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (!policy.compress || c.req.method === 'HEAD') return;
    const res = c.res;
    const type = res.headers.get('content-type') ?? '';
    // Headers and status first: reading `res.body` turns @hono/node-server's light response into a
    // full one, which then goes out through its slow stream path (a cached page served 40 % slower).
    // An event stream is sent as it is written; compressing would buffer it.
    if (res.status !== 200 || res.headers.has('etag') || res.headers.has('content-encoding') || !COMPRESSIBLE.test(type) || type.startsWith('text/event-stream')) return;
    if (!res.body) return;
    const vary = res.headers.get('vary');
    res.headers.set('vary', vary ? `${vary}, Accept-Encoding` : 'Accept-Encoding');
    const enc = pickEncoding(c.req.header('accept-encoding'));
    if (enc === 'identity') return;
    const raw = new Uint8Array(await res.arrayBuffer());
    // Hono copies the old response's headers onto the new one: drop the length there too.
    res.headers.delete('content-length');
    const headers = new Headers(res.headers);
    if (raw.byteLength < MIN_COMPRESS_BYTES) {
      c.res = new Response(raw, { status: res.status, headers });
      return;
    }
    headers.set('content-encoding', enc);
    c.res = new Response(encode(raw, enc, false) as Uint8Array<ArrayBuffer>, { status: res.status, headers });
  };
}
