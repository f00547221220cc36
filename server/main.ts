// Node entry: read the settings (lib/config.ts declares them; a bad value
// stops the start with a message naming it, except that a bad crawler setting
// only disables the crawler), open the database (migrating it), load the
// search index, bundle the browser code, schedule the crawler and serve.
import { serve } from '@hono/node-server';
import { dataDir, openDb } from '../db/client.ts';
import { createApp } from './app.ts';
import { buildAssets } from './assets.ts';
import { openSearch, startSyncLoop, type EngineName } from '../search/index.ts';
import { SearchWorker } from '../search/worker.ts';
import type { SearchEngine } from '../search/types.ts';
import { startScheduler } from '../scripts/crawler/scheduler.ts';
import { translatorFromConfig } from './translate.ts';
import { MathService } from './math/service.ts';
import { changesOf } from '../db/changes.ts';
import { ConfigError, loadConfig, SETTINGS, type Config } from '../lib/config.ts';
import { crawlerConfig, fullTextConfig } from '../scripts/crawler/config.ts';
import { OnDemand } from '../scripts/crawler/ondemand.ts';
import { loadSampleIfEmpty } from '../scripts/sample.ts';
import { assistantFromConfig } from './assistant/service.ts';
import type { FullTextFetch } from './assistant/fulltext.ts';
import { fetchFullText } from '../scripts/crawler/fulltext.ts';
import { ArxivClient } from '../scripts/crawler/client.ts';
import { sharedPace } from '../scripts/crawler/pace.ts';
import type { Db } from '../db/client.ts';

function log(line: string): void {
  console.log(`${new Date().toISOString()} ${line}`);
}

/**
 * The settings; a bad crawler value is returned as the reason the crawler is
 * off (the site itself still serves), any other bad value ends the start.
 */
function settings(): { config: Config; crawlerProblem: string | null } {
  try {
    return { config: loadConfig(), crawlerProblem: null };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const own = err.problems.filter((p) => SETTINGS[p.split(' ')[0] as keyof typeof SETTINGS]?.group !== 'crawler');
    if (own.length) throw new ConfigError(own);
    return { config: loadConfig(process.env, ['server', 'search', 'reading', 'assistant']), crawlerProblem: err.message };
  }
}

/** The assistant's full text: fetchFullText through the server's one arXiv client (its queue, at reader priority). */
function assistantFullText(db: Db, client: ArxivClient, config: Config, log: (line: string) => void): FullTextFetch {
  const ctx = { db, client, config: fullTextConfig(config), log, priority: 'reader' as const };
  return (id, version) => fetchFullText(ctx, id, version);
}

async function main(): Promise<void> {
  const { config, crawlerProblem } = settings();
  const port = config.PORT;
  const host = config.HOST;
  const db = openDb();
  // A first start on an empty database shows a real site: the bundled sample, through the normal importer.
  if (config.SAMPLE) await loadSampleIfEmpty(db, log);
  // Rows written by a crawl or import in another process become searchable here.
  const syncMs = config.SEARCH_SYNC_MS;
  const engine: EngineName = config.SEARCH_ENGINE;
  // The engine, either one, gets a thread of its own (search/worker.ts) unless
  // SEARCH_WORKER=off, so no query (nor FTS5's wait for its range threads)
  // ever holds up the request loop.
  const inWorker = config.SEARCH_WORKER;
  const changes = changesOf(db, syncMs);
  let search: SearchEngine;
  let stopSync = () => {};
  if (inWorker) {
    const worker = await SearchWorker.start({ dbPath: db.path, dataDir: dataDir(), engine, log });
    stopSync = changes.subscribe(() => worker.changed());
    search = worker;
  } else {
    search = await openSearch(db, { engine, log });
    stopSync = startSyncLoop(search, (listener) => changes.subscribe(listener), { log });
  }

  // MathJax runs in a thread of its own at a lower priority unless
  // MATH_WORKER=off; without it (or if it cannot start) pages typeset on the
  // loop within their budget. New formulas are typeset after each import or
  // crawl, in slices, so ingestion never waits for MathJax and readers rarely do.
  const math = await MathService.start(db, { thread: config.MATH_WORKER, log });
  math.followChanges(config.MATH_FILL_MS);

  // One client to arXiv for the schedule, readers' lookups and full texts: one
  // connection, ARXIV_DELAY_MS between any two requests, readers first.
  const arxivAbort = new AbortController();
  const arxiv = crawlerProblem
    ? null
    : new ArxivClient({
        ...crawlerConfig(config),
        signal: arxivAbort.signal,
        pace: sharedPace(db),
        // Every retry is logged as it happens, so an offline start is visible at once, not after the last attempt.
        onRetry: (line) => log(`arxiv: ${line}`),
      });
  const crawlOn = config.CRAWL;
  const scheduler = crawlOn
    ? startScheduler({
        db,
        categories: [...config.ARXIV_CATEGORIES],
        intervalMs: config.CRAWL_INTERVAL_MIN * 60_000,
        log,
        config: crawlerProblem ? crawlerProblem : crawlerConfig(config),
        client: arxiv ?? undefined,
      })
    : null;
  // CRAWL=off stops the schedule, not these lookups; ON_DEMAND=off does.
  const onDemand = arxiv
    ? new OnDemand({
        db,
        client: arxiv,
        apiUrl: config.ARXIV_API_URL,
        enabled: config.ON_DEMAND,
        budgetPerHour: config.ON_DEMAND_BUDGET,
        notFoundMs: config.ON_DEMAND_NOT_FOUND_MIN * 60_000,
        log,
      })
    : undefined;

  const assets = await buildAssets();
  const app = createApp({
    db,
    search,
    assets,
    translator: translatorFromConfig(db, config),
    adminToken: config.ADMIN_TOKEN ?? undefined,
    crawlerStatus: scheduler ? () => scheduler.status() : undefined,
    crawlNow: scheduler ? () => scheduler.runNow(config.CRAWL_MIN_GAP_S * 1000) : undefined,
    math,
    onDemand,
    reader: { pdfUrl: config.ARXIV_PDF_URL, htmlUrl: config.ARXIV_HTML_URL },
    publicOrigin: config.PUBLIC_ORIGIN ?? undefined,
    compress: config.COMPRESS,
    // Off (and nothing ever sent) unless LLM_API_URL is set. The model reads the paper's full text, fetched from
    // arXiv through a client that keeps the crawler's shared pace; with bad crawler settings it reads the abstract.
    assistant: assistantFromConfig(db, config, { log, fullText: arxiv ? assistantFullText(db, arxiv, config, log) : undefined }) ?? undefined,
    faqBudgets: { clientMax: config.FAQ_CLIENT_MAX, dailyMax: config.FAQ_DAILY_MAX },
    clientRate: { perSecond: config.CLIENT_RATE_PER_S, burst: config.CLIENT_BURST },
  });
  const server = serve({ fetch: app.fetch, port, hostname: host }, (info) => {
    log(`serving http://${host === '0.0.0.0' ? 'localhost' : host}:${info.port} (data: ${db.path}, search: ${search.name}, crawler: ${crawlOn ? 'on' : 'off'})`);
  });

  const shutdown = async () => {
    stopSync();
    changes.stop();
    server.close();
    arxivAbort.abort(new Error('server stopping'));
    await scheduler?.stop();
    await Promise.resolve(search.close()).catch((err: Error) => log(`search: could not close cleanly: ${err.message}`));
    await math.close();
    db.sqlite.close();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((err) => {
  const why = err instanceof ConfigError ? `bad settings: ${err.problems.join('; ')} (README.md lists every variable)` : (err as Error).message;
  console.error(`papers: cannot start: ${why}`);
  process.exit(1);
});
