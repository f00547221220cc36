// What readers may know about the site's state: paper counts, whether the
// collection is the bundled sample, and the crawler's state in one line.
// Shown on the home page and at /healthz (unauthenticated), so it holds
// counts and states only: no file paths, no raw error text (those are at
// /api/admin/status, behind ADMIN_TOKEN).
import type { Db } from '../db/client.ts';
import { allCrawlStates, countPapers } from '../db/queries.ts';
import { sampleInfo } from '../scripts/sample.ts';
import { crawlerLine, NO_CRAWLER, type CrawlerStatus } from '../scripts/crawler/scheduler.ts';

export interface PublicStatus {
  ok: true;
  papers: number;
  /** The bundled sample's size when the collection holds it, else null. */
  sample: { papers: number } | null;
  search: string | null;
  crawler: {
    enabled: boolean;
    state: 'off' | 'crawling' | 'offline' | 'idle';
    /** "crawling cs.LG (RSS)…", "last update 14:02 UTC", "offline: cannot reach rss.arxiv.org — next try 15:33 UTC" */
    line: string;
    current: CrawlerStatus['current'];
    lastRunAt: number | null;
    lastSuccessAt: number | null;
    nextRunAt: number | null;
    lastRound: CrawlerStatus['lastRound'];
    /** Per source (rss, api, oai, import…): how many sets it tracks and how many last failed. */
    sources: { source: string; sets: number; failing: number; lastSuccess: number | null }[];
  };
}

export function publicStatus(db: Db, opts: { crawlerStatus?: () => CrawlerStatus; searchName?: string | null }): PublicStatus {
  const s = opts.crawlerStatus?.() ?? NO_CRAWLER;
  const bySource = new Map<string, { source: string; sets: number; failing: number; lastSuccess: number | null }>();
  for (const row of allCrawlStates(db)) {
    const x = bySource.get(row.source) ?? { source: row.source, sets: 0, failing: 0, lastSuccess: null };
    x.sets++;
    if (row.lastError && (row.lastErrorAt ?? 0) >= (row.lastSuccess ?? 0)) x.failing++;
    if (row.lastSuccess && (x.lastSuccess ?? 0) < row.lastSuccess) x.lastSuccess = row.lastSuccess;
    bySource.set(row.source, x);
  }
  const sample = sampleInfo(db);
  return {
    ok: true,
    papers: countPapers(db),
    sample: sample ? { papers: sample.papers } : null,
    search: opts.searchName ?? null,
    crawler: {
      enabled: s.enabled,
      state: !s.enabled ? 'off' : s.running ? 'crawling' : s.offlineHost ? 'offline' : 'idle',
      line: crawlerLine(s),
      current: s.current,
      lastRunAt: s.lastRunAt,
      lastSuccessAt: s.lastSuccessAt,
      nextRunAt: s.nextRunAt,
      lastRound: s.lastRound,
      sources: [...bySource.values()],
    },
  };
}
