// The three crawls. Each page is written with ingestBatch together with the
// point to resume from, so a crawl killed at any moment restarts where its
// last committed page ended and never stores half a page.
import type { Db } from '../../db/client.ts';
import type { Paper } from '../../db/paper.ts';
import {
  type Announcement,
  type IngestCounts,
  getCrawlState,
  ingestBatch,
  recordCrawlError,
} from '../../db/queries.ts';
import { parseAtomPage } from './atom.ts';
import type { ArxivClient } from './client.ts';
import type { CrawlerConfig } from './config.ts';
import { ArxivProtocolError, MalformedPageError, describeError } from './errors.ts';
import { parseOaiPage } from './oai.ts';
import { parseRssFeed } from './rss.ts';

export type Source = 'oai' | 'api' | 'rss';

export interface CrawlSummary extends IngestCounts {
  source: Source;
  setKey: string;
  records: number;
  pages: number;
  /** Announcement rows written (RSS only). */
  announcements: number;
  /** Why nothing or less was done, when that is the case. */
  note: string | null;
}

export interface CrawlContext {
  db: Db;
  client: ArxivClient;
  config: Pick<CrawlerConfig, 'rssUrl' | 'apiUrl' | 'oaiUrl'>;
  log?: (line: string) => void;
}

export interface OaiResume {
  /** Null once the harvest finished. */
  token: string | null;
  from: string | null;
  until: string | null;
  /** Records received so far in this harvest. */
  cursor: number;
  /** Server date of the harvest's first page: the next incremental harvest starts there. */
  startedOn: string | null;
}

export interface ApiResume {
  start: number;
  query: string;
  done?: boolean;
}

export interface RssResume {
  lastDate: string | null;
}

function emptySummary(source: Source, setKey: string): CrawlSummary {
  return { source, setKey, records: 0, pages: 0, added: 0, updated: 0, unchanged: 0, stale: 0, announcements: 0, note: null };
}

function addCounts(s: CrawlSummary, c: IngestCounts, records: number): void {
  s.pages++;
  s.records += records;
  s.added += c.added;
  s.updated += c.updated;
  s.unchanged += c.unchanged;
  s.stale += c.stale;
}

/** Records the failure on the crawl's state row (resume point untouched), then rethrows. */
async function recording<T>(ctx: CrawlContext, source: Source, setKey: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    try {
      recordCrawlError(ctx.db, source, setKey, describeError(err));
    } catch {
      /* the database itself failing must not hide the crawl's own error */
    }
    throw err;
  }
}

function withParams(base: string, params: Record<string, string | number | null | undefined>): string {
  const u = new URL(base);
  for (const [k, v] of Object.entries(params)) if (v != null && v !== '') u.searchParams.set(k, String(v));
  return u.toString();
}

// ---------------------------------------------------------------- OAI-PMH

export interface OaiOptions {
  set: string;
  from?: string;
  until?: string;
  /** Ignore a saved resumption token and start the window again. */
  restart?: boolean;
}

/** How many times one run restarts after the server rejects its token. */
const MAX_TOKEN_RESTARTS = 2;

export function harvestOai(ctx: CrawlContext, opts: OaiOptions): Promise<CrawlSummary> {
  const setKey = opts.set;
  return recording(ctx, 'oai', setKey, async () => {
    const summary = emptySummary('oai', setKey);
    const saved = (getCrawlState(ctx.db, 'oai', setKey)?.resume ?? null) as OaiResume | null;
    const sameWindow =
      saved != null &&
      (opts.from === undefined || opts.from === saved.from) &&
      (opts.until === undefined || opts.until === saved.until);
    let resume: OaiResume;
    if (!opts.restart && saved?.token && sameWindow) {
      resume = { ...saved };
      ctx.log?.(`crawl oai ${setKey}: resuming at record ${saved.cursor} (token ${saved.token})`);
    } else {
      // Without --from, continue from where the last finished harvest began.
      const from = opts.from ?? (opts.restart ? null : (saved?.startedOn ?? null));
      resume = { token: null, from, until: opts.until ?? null, cursor: 0, startedOn: null };
    }
    let restarts = 0;
    for (;;) {
      const url = resume.token
        ? withParams(ctx.config.oaiUrl, { verb: 'ListRecords', resumptionToken: resume.token })
        : withParams(ctx.config.oaiUrl, {
            verb: 'ListRecords',
            metadataPrefix: 'arXiv',
            set: opts.set,
            from: resume.from,
            until: resume.until,
          });
      const page = await ctx.client.get(url, parseOaiPage, 'OAI-PMH ListRecords');
      if (page.kind === 'error') {
        if (page.code === 'noRecordsMatch') {
          // Nothing new since `from`: the next incremental harvest asks from the same day again.
          const done: OaiResume = { ...resume, token: null, startedOn: resume.startedOn ?? resume.from };
          ingestBatch(ctx.db, { state: { source: 'oai', setKey, resume: done, success: true } });
          summary.note = 'no records match';
          return summary;
        }
        if (page.code === 'badResumptionToken' && resume.token && restarts < MAX_TOKEN_RESTARTS) {
          restarts++;
          ctx.log?.(
            `crawl oai ${setKey}: token rejected (${page.message}); restarting from ${resume.from ?? 'the beginning'}`,
          );
          // Pages already stored are re-read and merge as unchanged: nothing is lost or doubled.
          resume = { ...resume, token: null, cursor: 0 };
          continue;
        }
        throw new ArxivProtocolError(`OAI-PMH error ${page.code}: ${page.message}`, page.code);
      }
      const next: OaiResume = {
        token: page.token,
        from: resume.from,
        until: resume.until,
        cursor: resume.cursor + page.papers.length + page.skipped,
        startedOn: resume.startedOn ?? page.responseDate,
      };
      const counts = ingestBatch(ctx.db, {
        papers: page.papers,
        state: { source: 'oai', setKey, resume: next, success: next.token == null },
      });
      addCounts(summary, counts, page.papers.length);
      const of = page.completeListSize != null ? ` of ${page.completeListSize}` : '';
      ctx.log?.(
        `crawl oai ${setKey}: page ${summary.pages}: ${page.papers.length} records (${next.cursor}${of} so far)`,
      );
      resume = next;
      if (!next.token) return summary;
    }
  });
}

// ---------------------------------------------------------------- API

export interface ApiQueryOptions {
  category: string;
  /** YYYY-MM-DD, inclusive. */
  from: string;
  until: string;
  pageSize?: number;
  /** Stop after this many records in this run (the resume point keeps the rest). */
  limit?: number;
  restart?: boolean;
}

export function apiQueryFor(category: string, from: string, until: string): string {
  const d = (s: string) => s.replaceAll('-', '');
  return `cat:${category} AND submittedDate:[${d(from)}0000 TO ${d(until)}2359]`;
}

/**
 * The API now and then answers a page inside the result range with no
 * entries; asking again usually works, so that counts as a bad page.
 */
function nonEmptyPage(body: string, start: number) {
  const page = parseAtomPage(body);
  if (!page.papers.length && start < page.totalResults) {
    throw new MalformedPageError(`arXiv API: empty page at offset ${start} of ${page.totalResults}`);
  }
  return page;
}

export function crawlApiCategory(ctx: CrawlContext, opts: ApiQueryOptions): Promise<CrawlSummary> {
  const setKey = opts.category;
  return recording(ctx, 'api', setKey, async () => {
    const summary = emptySummary('api', setKey);
    const query = apiQueryFor(opts.category, opts.from, opts.until);
    const pageSize = opts.pageSize ?? 100;
    const saved = (getCrawlState(ctx.db, 'api', setKey)?.resume ?? null) as ApiResume | null;
    let start = !opts.restart && saved && saved.query === query && !saved.done ? saved.start : 0;
    if (start > 0) ctx.log?.(`crawl api ${setKey}: resuming at offset ${start}`);
    for (;;) {
      // Ascending by submission date: new submissions land at the end, so saved offsets stay valid.
      const url = withParams(ctx.config.apiUrl, {
        search_query: query,
        sortBy: 'submittedDate',
        sortOrder: 'ascending',
        start,
        max_results: pageSize,
      });
      const page = await ctx.client.get(url, (body) => nonEmptyPage(body, start), 'arXiv API query');
      const received = page.papers.length;
      const nextStart = start + received;
      const reachedLimit = opts.limit != null && summary.records + received >= opts.limit;
      const finished = received === 0 || nextStart >= page.totalResults;
      const resume: ApiResume = { start: nextStart, query, ...(finished ? { done: true } : {}) };
      const counts = ingestBatch(ctx.db, {
        papers: page.papers,
        state: { source: 'api', setKey, resume, success: finished || reachedLimit },
      });
      addCounts(summary, counts, received);
      ctx.log?.(`crawl api ${setKey}: page ${summary.pages}: ${received} records (${nextStart} of ${page.totalResults})`);
      if (finished) return summary;
      if (reachedLimit) {
        summary.note = `stopped at --limit ${opts.limit}; next run continues at ${nextStart}`;
        return summary;
      }
      start = nextStart;
    }
  });
}

/** Full metadata for the given ids (any form the API accepts), in chunks. */
export function fetchIds(ctx: CrawlContext, ids: readonly string[], chunkSize = 100): Promise<CrawlSummary> {
  const setKey = 'id_list';
  const unique = [...new Set(ids)];
  return recording(ctx, 'api', setKey, () => fetchIdChunks(ctx, unique, chunkSize, emptySummary('api', setKey), true));
}

async function fetchIdChunks(
  ctx: CrawlContext,
  ids: readonly string[],
  chunkSize: number,
  summary: CrawlSummary,
  saveState: boolean,
): Promise<CrawlSummary> {
  for (let i = 0; i < ids.length; i += chunkSize) {
    const chunk = ids.slice(i, i + chunkSize);
    const url = withParams(ctx.config.apiUrl, { id_list: chunk.join(','), start: 0, max_results: chunk.length });
    const page = await ctx.client.get(url, parseAtomPage, 'arXiv API id_list');
    const last = i + chunkSize >= ids.length;
    const counts = ingestBatch(ctx.db, {
      papers: page.papers,
      state: saveState && last ? { source: 'api', setKey: summary.setKey, resume: null, success: true } : undefined,
    });
    addCounts(summary, counts, page.papers.length);
    ctx.log?.(
      `crawl ${summary.source} ${summary.setKey}: metadata for ${Math.min(i + chunkSize, ids.length)} of ${ids.length} ids (${page.papers.length} found in this chunk)`,
    );
  }
  return summary;
}

// ---------------------------------------------------------------- RSS

export interface RssOptions {
  category: string;
  /** Process the feed even when its day was already done. */
  restart?: boolean;
  chunkSize?: number;
}

/** Announcements need their day; a feed with items but no date is not usable. */
function datedFeed(body: string) {
  const feed = parseRssFeed(body);
  if (feed.items.length && !feed.date) throw new MalformedPageError('RSS: items but no announcement date');
  return feed;
}

export function crawlRss(ctx: CrawlContext, opts: RssOptions): Promise<CrawlSummary> {
  const setKey = opts.category;
  return recording(ctx, 'rss', setKey, async () => {
    const summary = emptySummary('rss', setKey);
    const feed = await ctx.client.get(
      `${ctx.config.rssUrl}/${encodeURIComponent(opts.category)}`,
      datedFeed,
      `RSS ${opts.category}`,
    );
    const saved = (getCrawlState(ctx.db, 'rss', setKey)?.resume ?? null) as RssResume | null;
    const lastDate = saved?.lastDate ?? null;
    if (!feed.items.length || !feed.date) {
      // Weekends and holidays: arXiv serves an empty channel.
      ingestBatch(ctx.db, { state: { source: 'rss', setKey, resume: { lastDate }, success: true } });
      summary.note = 'feed has no announcements';
      return summary;
    }
    if (!opts.restart && lastDate === feed.date) {
      ingestBatch(ctx.db, { state: { source: 'rss', setKey, resume: { lastDate }, success: true } });
      summary.note = `list of ${feed.date} already stored`;
      return summary;
    }
    const announcements: Announcement[] = feed.items.map((it) => ({
      date: feed.date!,
      category: opts.category,
      paperId: it.paper.id,
      announceType: it.announceType,
      position: it.position,
    }));
    // The feed's own fields first, so every announced paper exists even if the API is down.
    const papers: Paper[] = feed.items.map((it) => it.paper);
    const counts = ingestBatch(ctx.db, { papers, announcements });
    addCounts(summary, counts, papers.length);
    summary.announcements = announcements.length;
    const byType = new Map<string, number>();
    for (const a of announcements) byType.set(a.announceType, (byType.get(a.announceType) ?? 0) + 1);
    ctx.log?.(
      `crawl rss ${setKey}: ${feed.date}: ${announcements.length} announcements (${[...byType].map(([t, n]) => `${n} ${t}`).join(', ')})`,
    );
    const ids = [...new Set(papers.map((p) => p.id))];
    await fetchIdChunks(ctx, ids, opts.chunkSize ?? 100, summary, false);
    // Only now is the day done: a crash before this line re-reads the same list next time.
    ingestBatch(ctx.db, { state: { source: 'rss', setKey, resume: { lastDate: feed.date }, success: true } });
    return summary;
  });
}

/** The final line of a crawl, e.g. `crawl oai cs:cs:LG: 1000 records in 2 pages (998 added, 2 updated, 0 unchanged)`. */
export function summaryLine(s: CrawlSummary): string {
  const stale = s.stale ? `, ${s.stale} older versions ignored` : '';
  const ann = s.source === 'rss' ? `, ${s.announcements} announcements` : '';
  const note = s.note ? ` - ${s.note}` : '';
  return `crawl ${s.source} ${s.setKey}: ${s.records} records in ${s.pages} pages (${s.added} added, ${s.updated} updated, ${s.unchanged} unchanged${stale}${ann})${note}`;
}
