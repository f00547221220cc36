// Papers looked up on a reader's request: `/arxiv/<id>` for an id the
// database lacks asks arXiv's API for it through the crawler's own client (its
// single connection and spacing), ahead of scheduled work, and stores what
// comes back through the one ingest path (ingestBatch), so the paper is then
// listed and searchable like any other. Many readers asking for one id cause
// one request (one lookup per id at a time); a client asking for many unknown
// ids is served behind the schedule once past its budget; an id arXiv does not
// know is remembered for a while so it is not asked again at once.
import type { Db } from '../../db/client.ts';
import { getPaper, ingestBatch } from '../../db/queries.ts';
import { parseAtomPage } from './atom.ts';
import type { ArxivClient, Priority } from './client.ts';
import { describeError } from './errors.ts';

/** Where an id the database lacks stands. */
export type LookupState =
  /** A lookup is queued or in flight: ask again shortly. */
  | { state: 'fetching' }
  /** arXiv answered and has no such paper (remembered until `until`). */
  | { state: 'not-found'; until: number }
  /** arXiv could not be reached or answered badly; a new lookup is allowed after `retryAt`. */
  | { state: 'unavailable'; reason: string; retryAt: number }
  /** Lookups are off (ON_DEMAND=off). */
  | { state: 'off' };

export interface OnDemandOptions {
  db: Db;
  client: ArxivClient;
  /** ARXIV_API_URL. */
  apiUrl: string;
  /** false: every lookup answers `off` (ON_DEMAND=off). */
  enabled: boolean;
  /** Lookups per client per hour at reader priority (ON_DEMAND_BUDGET); beyond it, backfill priority. */
  budgetPerHour: number;
  /** How long an unknown id is remembered (ON_DEMAND_NOT_FOUND_MIN). */
  notFoundMs: number;
  /** How long after a failed lookup the next may start (default 60 s). */
  retryAfterFailureMs?: number;
  log?: (line: string) => void;
}

/** Ids per API request (the API's own page size). */
const CHUNK = 100;
const HOUR = 3_600_000;
/** Bound on remembered ids (not-found and failures), oldest dropped first. */
const MEMORY = 50_000;

export class OnDemand {
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly notFound = new Map<string, number>();
  private readonly failed = new Map<string, { reason: string; retryAt: number }>();
  private readonly budgets = new Map<string, { start: number; used: number }>();
  /** API requests sent for lookups (for status and tests). */
  requests = 0;

  constructor(private readonly opts: OnDemandOptions) {}

  get enabled(): boolean {
    return this.opts.enabled;
  }

  /**
   * The state of each id (canonical, without version) that the caller found
   * missing from the database; ids with no lookup running and none recently
   * failed or unknown start one now, all of them in one API request per 100.
   * `who` is the client (its address) whose budget pays for new lookups.
   */
  lookup(ids: readonly string[], who: string, now = Date.now()): Map<string, LookupState> {
    const out = new Map<string, LookupState>();
    const start: string[] = [];
    for (const id of new Set(ids)) {
      if (!this.opts.enabled) {
        out.set(id, { state: 'off' });
        continue;
      }
      const until = this.notFound.get(id);
      if (until !== undefined && until > now) {
        out.set(id, { state: 'not-found', until });
        continue;
      }
      if (this.inFlight.has(id)) {
        out.set(id, { state: 'fetching' });
        continue;
      }
      const fail = this.failed.get(id);
      if (fail && fail.retryAt > now) {
        out.set(id, { state: 'unavailable', reason: fail.reason, retryAt: fail.retryAt });
        continue;
      }
      start.push(id);
      out.set(id, { state: 'fetching' });
    }
    for (let i = 0; i < start.length; i += CHUNK) {
      const chunk = start.slice(i, i + CHUNK);
      const priority = this.take(who, chunk.length, now) ? 'reader' : 'backfill';
      const run = this.fetch(chunk, priority);
      for (const id of chunk) this.inFlight.set(id, run);
    }
    return out;
  }

  /** Resolves when the lookup of `id` (if any) has ended; for tests and for pages that can wait a moment. */
  settled(id: string): Promise<void> {
    return this.inFlight.get(id) ?? Promise.resolve();
  }

  /** Whether this client may still be served ahead of the schedule; counts `n` lookups if so. */
  private take(who: string, n: number, now: number): boolean {
    let b = this.budgets.get(who);
    if (!b || now - b.start >= HOUR) {
      if (this.budgets.size > 10_000) this.budgets.clear();
      b = { start: now, used: 0 };
      this.budgets.set(who, b);
    }
    b.used += n;
    return b.used <= this.opts.budgetPerHour;
  }

  private async fetch(ids: string[], priority: Priority): Promise<void> {
    const log = this.opts.log ?? (() => undefined);
    const u = new URL(this.opts.apiUrl);
    u.searchParams.set('id_list', ids.join(','));
    u.searchParams.set('start', '0');
    u.searchParams.set('max_results', String(ids.length));
    try {
      this.requests++;
      const page = await this.opts.client.get(u.toString(), parseAtomPage, 'arXiv API lookup', { priority });
      // Only a whole, parsed page is stored, in one transaction: never half a paper.
      const wanted = new Set(ids);
      const papers = page.papers.filter((p) => wanted.has(p.id));
      if (papers.length) ingestBatch(this.opts.db, { papers });
      const now = Date.now();
      const missing = ids.filter((id) => !getPaper(this.opts.db, id));
      for (const id of missing) remember(this.notFound, id, now + this.opts.notFoundMs);
      for (const id of ids) this.failed.delete(id);
      log(
        `lookup ${ids.length > 3 ? `${ids.length} ids` : ids.join(',')} (${priority}): ${papers.length} stored${missing.length ? `, not on arXiv: ${missing.slice(0, 5).join(',')}${missing.length > 5 ? '…' : ''}` : ''}`,
      );
    } catch (err) {
      const reason = describeError(err);
      const retryAt = Date.now() + (this.opts.retryAfterFailureMs ?? 60_000);
      for (const id of ids) remember(this.failed, id, { reason, retryAt });
      log(`lookup ${ids.length > 3 ? `${ids.length} ids` : ids.join(',')} failed: ${reason}`);
    } finally {
      for (const id of ids) this.inFlight.delete(id);
    }
  }
}

/** Sets `key`, dropping the oldest entries when the map is full. */
function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MEMORY) map.delete(map.keys().next().value as string);
}
