// The one way the crawler talks to arXiv: one request at a time, a pause
// between requests, a timeout per request, and retries with exponential
// backoff for network errors, timeouts, 5xx, 503 + Retry-After and pages that
// arrive malformed. A request that keeps failing ends in RequestFailedError.
import type { CrawlerConfig } from './config.ts';
import type { RequestPace } from './pace.ts';
import {
  ArxivProtocolError,
  HttpStatusError,
  MalformedPageError,
  RequestFailedError,
  describeError,
} from './errors.ts';

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
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: ClientOptions) {}

  /**
   * GETs `url` and hands the body to `parse`. A MalformedPageError from `parse`
   * counts as a failed attempt like a network error does. Calls are queued, so
   * two crawls sharing a client still send one request at a time.
   */
  get<T>(url: string, parse: (body: string) => T, what: string): Promise<T> {
    const run = this.queue.then(
      () => this.attemptAll(url, parse, what),
      () => this.attemptAll(url, parse, what),
    );
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async attemptAll<T>(url: string, parse: (body: string) => T, what: string): Promise<T> {
    const { maxAttempts, backoffMs, maxRetryAfterMs, signal } = this.opts;
    for (let attempt = 1; ; attempt++) {
      const gap = Math.max(this.opts.delayMs, this.nextGapMs);
      await sleep(this.lastFinished + gap - Date.now(), signal);
      await this.opts.pace?.turn(this.opts.timeoutMs + this.opts.delayMs, signal);
      this.nextGapMs = 0;
      let failure: RetryableFailure;
      try {
        return await this.attemptOnce(url, parse);
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        if (err instanceof RetryableFailure) failure = err;
        else if (err instanceof MalformedPageError) failure = new RetryableFailure(err.message);
        else if (err instanceof ArxivProtocolError || err instanceof HttpStatusError) throw err;
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

  private async attemptOnce<T>(url: string, parse: (body: string) => T): Promise<T> {
    this.requestCount++;
    const timeout = AbortSignal.timeout(this.opts.timeoutMs);
    const signal = this.opts.signal ? AbortSignal.any([this.opts.signal, timeout]) : timeout;
    let body: string;
    let status: number;
    try {
      const res = await fetch(url, {
        signal,
        headers: { 'user-agent': this.opts.userAgent, accept: 'application/xml, text/xml, */*' },
      });
      status = res.status;
      if (status === 503 || status === 429) {
        await res.body?.cancel().catch(() => undefined);
        throw new RetryableFailure(`HTTP ${status}`, retryAfterMs(res.headers.get('retry-after')));
      }
      if (status >= 500) {
        await res.body?.cancel().catch(() => undefined);
        throw new RetryableFailure(`HTTP ${status}`);
      }
      body = await res.text();
    } catch (err) {
      if (timeout.aborted && !this.opts.signal?.aborted) {
        throw new RetryableFailure(`timed out after ${this.opts.timeoutMs} ms`);
      }
      throw err;
    }
    if (status >= 400) {
      // The API explains a 400 in an Atom error entry; surface that text.
      try {
        parse(body);
      } catch (err) {
        if (err instanceof ArxivProtocolError) throw err;
      }
      throw new HttpStatusError(`HTTP ${status} for ${url}`, status);
    }
    return parse(body);
  }
}
