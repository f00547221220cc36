// The one way the program talks to arXiv: one request at a time, a pause
// between requests, a timeout per request, and retries with exponential
// backoff for network errors, timeouts, 5xx, 503 + Retry-After and pages that
// arrive malformed. A request that keeps failing ends in RequestFailedError.
// Requests wait in a priority queue: a reader's lookup goes ahead of the
// scheduled crawl, which goes ahead of backfill (and of readers over budget);
// the pause between any two requests is the same whichever asked.
import type { CrawlerConfig } from './config.ts';
import type { RequestPace } from './pace.ts';
import {
  ArxivProtocolError,
  HttpStatusError,
  MalformedPageError,
  RequestFailedError,
  TooLargeError,
  describeError,
} from './errors.ts';

/** Who is waiting: a reader now, the schedule, or work that can wait for both. */
export type Priority = 'reader' | 'scheduled' | 'backfill';
const RANK: Record<Priority, number> = { reader: 0, scheduled: 1, backfill: 2 };

export interface RequestOptions {
  /** Default `scheduled`. */
  priority?: Priority;
}

export interface BytesOptions extends RequestOptions {
  /** A body longer than this ends the request with TooLargeError (not retried). */
  maxBytes: number;
  /** The Accept header. */
  accept?: string;
}

/** A raw answer: 2xx and 4xx come back as they are (5xx, 429 and timeouts are retried first). */
export interface RawResponse {
  status: number;
  contentType: string;
  url: string;
  body: Buffer;
}

export type ClientSettings = Pick<
  CrawlerConfig,
  'delayMs' | 'timeoutMs' | 'maxAttempts' | 'backoffMs' | 'maxRetryAfterMs' | 'userAgent'
>;

export interface ClientOptions extends ClientSettings {
  /** Aborting it stops the current wait or request at once (scheduler shutdown). */
  signal?: AbortSignal;
  /** Told about every retry; the CLI prints these, the scheduler stays quiet. */
  onRetry?: (line: string) => void;
  /** Spacing shared with other processes (scripts/crawler/pace.ts); without it only this client's own. */
  pace?: RequestPace;
}

/** Sleeps, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  const h = header.trim();
  if (/^\d+$/.test(h)) return Number(h) * 1000;
  const at = Date.parse(h);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

class RetryableFailure extends Error {
  constructor(
    message: string,
    /** What the server asked us to wait, if it said. */
    readonly waitMs: number | null = null,
    cause?: unknown,
  ) {
    super(message, { cause });
  }
}

export class ArxivClient {
  /** Requests sent so far (attempts, not logical requests). */
  requestCount = 0;
  private lastFinished = 0;
  private nextGapMs = 0;
  private readonly waiting: Job[][] = [[], [], []];
  private busy = false;

  constructor(private readonly opts: ClientOptions) {}

  /**
   * GETs `url` and hands the body to `parse`. A MalformedPageError from `parse`
   * counts as a failed attempt like a network error does. Calls are queued by
   * priority, so every user of one client still sends one request at a time.
   */
  get<T>(url: string, parse: (body: string) => T, what: string, opts: RequestOptions = {}): Promise<T> {
    return this.enqueue(opts.priority ?? 'scheduled', () =>
      this.attemptAll(url, what, 'application/xml, text/xml, */*', async (res) => {
        const body = await res.text();
        if (res.status >= 400) {
          // The API explains a 400 in an Atom error entry; surface that text.
          try {
            parse(body);
          } catch (err) {
            if (err instanceof ArxivProtocolError) throw err;
          }
          throw new HttpStatusError(`HTTP ${res.status} for ${url}`, res.status);
        }
        return parse(body);
      }),
    );
  }

  /**
   * GETs `url` as bytes, at most `maxBytes` of them (checked against
   * Content-Length and while reading). 2xx and 4xx answers are returned for
   * the caller to judge; 5xx, 429, 503 and timeouts are retried like `get`.
   */
  getBytes(url: string, what: string, opts: BytesOptions): Promise<RawResponse> {
    return this.enqueue(opts.priority ?? 'scheduled', () =>
      this.attemptAll(url, what, opts.accept ?? '*/*', async (res) => ({
        status: res.status,
        contentType: res.headers.get('content-type') ?? '',
        url: res.url || url,
        body: await readCapped(res, opts.maxBytes, url),
      })),
    );
  }

  /** Requests waiting, by priority (for status and tests). */
  queued(): Record<Priority, number> {
    return { reader: this.waiting[0].length, scheduled: this.waiting[1].length, backfill: this.waiting[2].length };
  }

  private enqueue<T>(priority: Priority, task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting[RANK[priority]].push({ task, resolve: resolve as (v: unknown) => void, reject });
      this.pump();
    });
  }

  /** Starts the most urgent waiting request when none is running. */
  private pump(): void {
    if (this.busy) return;
    const job = this.waiting.find((q) => q.length)?.shift();
    if (!job) return;
    this.busy = true;
    job
      .task()
      .then(job.resolve, job.reject)
      .finally(() => {
        this.busy = false;
        this.pump();
      });
  }

  private async attemptAll<T>(url: string, what: string, accept: string, read: (res: Response) => Promise<T>): Promise<T> {
    const { maxAttempts, backoffMs, maxRetryAfterMs, signal } = this.opts;
    for (let attempt = 1; ; attempt++) {
      const gap = Math.max(this.opts.delayMs, this.nextGapMs);
      await sleep(this.lastFinished + gap - Date.now(), signal);
      await this.opts.pace?.turn(this.opts.timeoutMs + this.opts.delayMs, signal);
      this.nextGapMs = 0;
      let failure: RetryableFailure;
      try {
        return await this.attemptOnce(url, accept, read);
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        if (err instanceof RetryableFailure) failure = err;
        else if (err instanceof MalformedPageError) failure = new RetryableFailure(err.message);
        else if (err instanceof ArxivProtocolError || err instanceof HttpStatusError || err instanceof TooLargeError) throw err;
        else failure = new RetryableFailure(describeError(err), null, err);
      } finally {
        this.lastFinished = Date.now();
        this.opts.pace?.done(this.opts.delayMs);
      }
      if (attempt >= maxAttempts) {
        throw new RequestFailedError(
          `${what} failed after ${attempt} attempts: ${failure.message} (${url})`,
          attempt,
          failure,
        );
      }
      const backoff = backoffMs * 2 ** (attempt - 1);
      this.nextGapMs = failure.waitMs != null ? Math.min(failure.waitMs, maxRetryAfterMs) : backoff;
      this.opts.onRetry?.(
        `${what}: ${failure.message}; retry ${attempt}/${maxAttempts - 1} in ${Math.max(this.nextGapMs, this.opts.delayMs)} ms`,
      );
    }
  }

  private async attemptOnce<T>(url: string, accept: string, read: (res: Response) => Promise<T>): Promise<T> {
    this.requestCount++;
    const timeout = AbortSignal.timeout(this.opts.timeoutMs);
    const signal = this.opts.signal ? AbortSignal.any([this.opts.signal, timeout]) : timeout;
    try {
      const res = await fetch(url, { signal, headers: { 'user-agent': this.opts.userAgent, accept } });
      const status = res.status;
      if (status === 503 || status === 429) {
        await res.body?.cancel().catch(() => undefined);
        throw new RetryableFailure(`HTTP ${status}`, retryAfterMs(res.headers.get('retry-after')));
      }
      if (status >= 500) {
        await res.body?.cancel().catch(() => undefined);
        throw new RetryableFailure(`HTTP ${status}`);
      }
      // The body is read inside the try: a timeout while it streams is a timeout.
      return await read(res);
    } catch (err) {
      if (timeout.aborted && !this.opts.signal?.aborted) {
        throw new RetryableFailure(`timed out after ${this.opts.timeoutMs} ms`);
      }
      throw err;
    }
  }
}

interface Job {
  task: () => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/** The whole body, or TooLargeError as soon as it passes `maxBytes` (the rest is not read). */
async function readCapped(res: Response, maxBytes: number, url: string): Promise<Buffer> {
  const tooLarge = () => new TooLargeError(`${url}: body larger than ${maxBytes} bytes`, maxBytes);
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (!res.body) return Buffer.alloc(0);
  const parts: Uint8Array[] = [];
  let total = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    parts.push(value);
  }
  return Buffer.concat(parts, total);
}
