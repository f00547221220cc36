// Runs the RSS daily lists inside the server process: every category now,
// then again every intervalMs, one request at a time. A failed round is
// logged in one line and retried next round; nothing here throws into the server.
import type { Db } from '../../db/client.ts';
import { sharedPace } from './pace.ts';
import { ArxivClient } from './client.ts';
import { type CrawlerConfig, crawlerConfigFromEnv } from './config.ts';
import { crawlRss, summaryLine } from './crawls.ts';
import { HttpStatusError, RequestFailedError, describeError, systemErrorCode } from './errors.ts';

/** What the scheduler reports (`/healthz`, `/api/admin/status`). */
export interface CrawlerStatus {
  enabled: boolean;
  running: boolean;
  lastRunAt: number | null;
  /** Raw error text of the last round (admin only: /api/admin/status). */
  lastError: string | null;
  nextRunAt: number | null;
  /** What a running round is fetching now, e.g. `{ category: 'cs.LG', source: 'RSS' }`. */
  current: { category: string; source: 'RSS' } | null;
  /** When a round last finished with every category read. */
  lastSuccessAt: number | null;
  /** The host the last round could not reach at all (arXiv unreachable), else null. */
  offlineHost: string | null;
  /** Categories read and failed in the last finished round. */
  lastRound: { ok: number; failed: number } | null;
}

/** The status of a process without a crawler. */
export const NO_CRAWLER: CrawlerStatus = {
  enabled: false,
  running: false,
  lastRunAt: null,
  lastError: null,
  nextRunAt: null,
  current: null,
  lastSuccessAt: null,
  offlineHost: null,
  lastRound: null,
};

/** `14:02 UTC` */
function clock(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 16)} UTC`;
}

/**
 * The crawler's state in one line for readers (home page, /healthz): no paths
 * and no raw error text. "crawling cs.LG (RSS)…", "last update 14:02 UTC",
 * "offline: cannot reach rss.arxiv.org — next try 15:33 UTC".
 */
export function crawlerLine(s: CrawlerStatus): string {
  if (!s.enabled) return 'updates from arXiv are off';
  if (s.running) return s.current ? `crawling ${s.current.category} (${s.current.source})…` : 'crawling…';
  const next = s.nextRunAt ? ` — next try ${clock(s.nextRunAt)}` : '';
  if (s.offlineHost) return `offline: cannot reach ${s.offlineHost}${next}`;
  const failed = s.lastRound?.failed ? ` (${s.lastRound.failed} of ${s.lastRound.ok + s.lastRound.failed} categories failed)` : '';
  if (s.lastSuccessAt) return `last update ${clock(s.lastSuccessAt)}${failed}`;
  if (s.lastRunAt) return `last attempt ${clock(s.lastRunAt)}${failed}${s.nextRunAt ? ` — next ${clock(s.nextRunAt)}` : ''}`;
  return s.nextRunAt ? `first update at ${clock(s.nextRunAt)}` : 'waiting for the first update';
}

export interface SchedulerOptions {
  db: Db;
  categories: string[];
  intervalMs: number;
  log?: (line: string) => void;
  /**
   * The settings; a string is why they are unusable (the scheduler then stays
   * disabled and reports it). Absent: read from the environment.
   */
  config?: CrawlerConfig | string;
  /**
   * The client to crawl through, shared with readers' lookups and full-text
   * fetches (one connection and spacing for all; the owner aborts its signal
   * at shutdown). Absent: the scheduler makes its own.
   */
  client?: ArxivClient;
}

export interface Scheduler {
  status(): CrawlerStatus;
  /** Starts a round now unless one is running or the last one began under `minGapMs` ago. */
  runNow(minGapMs?: number): CrawlTrigger;
  stop(): Promise<void>;
}

export type CrawlTrigger = { started: true } | { started: false; reason: 'disabled' | 'running' | 'too soon'; retryAfterMs?: number };

// Errors that mean "we cannot reach arXiv at all", as opposed to one bad list.
const OFFLINE_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'ECONNRESET', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT']);

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function minutes(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;
}

/** For a failure that ended a round early: the short reason, else null. */
function offlineReason(err: unknown, url: string): string | null {
  const cause = err instanceof RequestFailedError ? err.lastError : err;
  const code = systemErrorCode(cause);
  if (!code || !OFFLINE_CODES.has(code)) return null;
  let host = url;
  try {
    host = new URL(url).host;
  } catch {
    /* keep the raw string */
  }
  return `${code} ${host}`;
}

export function startScheduler(opts: SchedulerOptions): Scheduler {
  const log = opts.log ?? (() => undefined);
  const status: CrawlerStatus = { ...NO_CRAWLER, enabled: true };
  const abort = new AbortController();
  let timer: NodeJS.Timeout | null = null;
  let current: Promise<void> | null = null;
  let lastStart = 0;
  let config: CrawlerConfig;
  try {
    if (typeof opts.config === 'string') throw new Error(opts.config);
    config = opts.config ?? crawlerConfigFromEnv();
  } catch (err) {
    // A bad setting disables the crawler; the site itself keeps serving.
    status.enabled = false;
    status.lastError = describeError(err);
    log(`crawler: disabled: ${status.lastError}`);
    return { status: () => ({ ...status }), runNow: () => ({ started: false, reason: 'disabled' }), stop: async () => undefined };
  }
  const intervalMs = Math.max(1000, opts.intervalMs);
  // Every retry is logged as it happens, so an offline start is visible at once, not after the last attempt.
  const client = opts.client ?? new ArxivClient({ ...config, signal: abort.signal, pace: sharedPace(opts.db), onRetry: (line) => log(`crawler: ${line}`) });
  const ctx = { db: opts.db, client, config };

  async function round(): Promise<void> {
    lastStart = Date.now();
    status.running = true;
    status.nextRunAt = null;
    const errors: string[] = [];
    let ok = 0;
    let offlineHost: string | null = null;
    log(`crawler: round started: ${opts.categories.length} categories (${opts.categories.join(', ')}) from ${hostOf(config.rssUrl)}`);
    try {
      for (const category of opts.categories) {
        if (abort.signal.aborted) return;
        status.current = { category, source: 'RSS' };
        try {
          const summary = await crawlRss(ctx, { category });
          ok++;
          log(`crawler: ${summaryLine(summary)}`);
        } catch (err) {
          if (abort.signal.aborted) return;
          const offline = offlineReason(err, config.rssUrl);
          if (offline) {
            offlineHost = hostOf(config.rssUrl);
            errors.push(`arXiv unreachable (${offline})`);
            log(`crawler: arXiv unreachable (${offline}), retrying in ${minutes(intervalMs)}`);
            return;
          }
          const why = describeError(err);
          errors.push(`${category}: ${why}`);
          const hint = err instanceof HttpStatusError && err.status === 404 ? ' (unknown category?)' : '';
          log(`crawler: rss ${category} failed${hint}: ${why}; next try in ${minutes(intervalMs)}`);
        }
      }
    } finally {
      status.running = false;
      status.current = null;
      status.lastRunAt = Date.now();
      status.lastError = errors.length ? errors.join('; ') : null;
      status.offlineHost = offlineHost;
      if (!abort.signal.aborted) {
        const failed = offlineHost ? opts.categories.length - ok : errors.length;
        status.lastRound = { ok, failed };
        // Any category read means the site did update.
        if (ok) status.lastSuccessAt = status.lastRunAt;
        log(`crawler: round finished: ${ok} categories read, ${failed} failed${offlineHost ? ` (cannot reach ${offlineHost})` : ''}`);
      }
    }
  }

  function schedule(delayMs: number): void {
    if (abort.signal.aborted) return;
    status.nextRunAt = Date.now() + delayMs;
    timer = setTimeout(start, delayMs);
    timer.unref();
  }

  function start(): void {
    timer = null;
    current = round()
      .catch((err) => {
        // round() handles its own errors; this is the last guard for the server.
        status.lastError = describeError(err);
        log(`crawler: unexpected error: ${status.lastError}`);
      })
      .finally(() => {
        current = null;
        schedule(intervalMs);
      });
  }

  schedule(0);
  return {
    status: () => ({ ...status }),
    runNow(minGapMs = 60_000) {
      if (abort.signal.aborted) return { started: false, reason: 'disabled' };
      if (current || status.running) return { started: false, reason: 'running' };
      const wait = lastStart + minGapMs - Date.now();
      if (lastStart && wait > 0) return { started: false, reason: 'too soon', retryAfterMs: wait };
      if (timer) clearTimeout(timer);
      start();
      return { started: true };
    },
    async stop() {
      abort.abort(new Error('crawler stopped'));
      if (timer) clearTimeout(timer);
      timer = null;
      status.nextRunAt = null;
      await current?.catch(() => undefined);
    },
  };
}
