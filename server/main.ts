// Node entry: open the database (migrating it), load the search index, bundle
// the browser code, schedule the crawler and serve. Configuration is read here
// and only here from the environment; README.md lists every variable.
import { serve } from '@hono/node-server';
import { dataDir, openDb } from '../db/client.ts';
import { createApp } from './app.ts';
import { buildAssets } from './assets.ts';
import { openSearch, startSyncLoop, type EngineName } from '../search/index.ts';
import { SearchWorker } from '../search/worker.ts';
import type { SearchEngine } from '../search/types.ts';
import { startScheduler } from '../scripts/crawler/scheduler.ts';
import { translatorFromEnv } from './translate.ts';
import { fillMathCacheInBackground, useBackgroundTypesetter } from './math.ts';
import { MathWorker } from './math-worker.ts';
import { maxSeq } from '../db/queries.ts';

const DEFAULT_CATEGORIES = 'cs.LG,cs.CL,cs.CV,cs.AI,stat.ML';

function log(line: string): void {
  console.log(`${new Date().toISOString()} ${line}`);
}

async function main(): Promise<void> {
  const port = Number(process.env.PORT || 3000);
  const host = process.env.HOST || '0.0.0.0';
  const db = openDb();
  // Rows written by a crawl or import in another process become searchable here.
  const syncMs = Number(process.env.SEARCH_SYNC_MS || 2000);
  const engine = (process.env.SEARCH_ENGINE || 'minisearch') as EngineName;
  // The in-process index gets a thread of its own (search/worker.ts) unless
  // SEARCH_WORKER=off; FTS5 lives in SQLite and needs none.
  const inWorker = engine === 'minisearch' && (process.env.SEARCH_WORKER || 'on').toLowerCase() !== 'off';
  let search: SearchEngine;
  let stopSync = () => {};
  if (inWorker) {
    search = await SearchWorker.start({ dbPath: db.path, dataDir: dataDir(), engine, syncMs, log });
  } else {
    search = await openSearch(db, { engine, log });
    stopSync = startSyncLoop(search, { intervalMs: syncMs, log });
  }

  // MathJax runs in a thread of its own at a lower priority unless
  // MATH_WORKER=off; without it (or if it cannot start) pages typeset on the
  // loop within their budget.
  let mathWorker: MathWorker | null = null;
  if ((process.env.MATH_WORKER || 'on').toLowerCase() !== 'off') {
    try {
      mathWorker = await MathWorker.start();
      useBackgroundTypesetter(mathWorker, db);
    } catch (err) {
      log(`math: no typesetting thread, pages typeset on the request loop (${(err as Error).message})`);
    }
  }

  // Typeset new formulas after each import or crawl, in slices, so ingestion
  // never waits for MathJax and readers rarely do.
  let typesetSeq = -1;
  let typesetting = false;
  const mathTimer = setInterval(() => {
    const seq = maxSeq(db);
    if (typesetting || seq === typesetSeq) return;
    typesetting = true;
    typesetSeq = seq;
    void fillMathCacheInBackground(db, { log }).finally(() => (typesetting = false));
  }, Number(process.env.MATH_FILL_MS || 10_000));
  mathTimer.unref();

  const crawlOn = (process.env.CRAWL || 'on').toLowerCase() !== 'off';
  const scheduler = crawlOn
    ? startScheduler({
        db,
        categories: (process.env.ARXIV_CATEGORIES || DEFAULT_CATEGORIES).split(',').map((s) => s.trim()).filter(Boolean),
        intervalMs: Number(process.env.CRAWL_INTERVAL_MIN || 60) * 60_000,
        log,
      })
    : null;

  const assets = await buildAssets();
  const app = createApp({
    db,
    search,
    assets,
    translator: translatorFromEnv(db, process.env),
    adminToken: process.env.ADMIN_TOKEN || undefined,
    crawlerStatus: scheduler ? () => scheduler.status() : undefined,
    crawlNow: scheduler ? () => scheduler.runNow(Number(process.env.CRAWL_MIN_GAP_S || 60) * 1000) : undefined,
  });
  const server = serve({ fetch: app.fetch, port, hostname: host }, (info) => {
    log(`serving http://${host === '0.0.0.0' ? 'localhost' : host}:${info.port} (data: ${db.path}, search: ${search.name}, crawler: ${crawlOn ? 'on' : 'off'})`);
  });

  const shutdown = async () => {
    stopSync();
    clearInterval(mathTimer);
    server.close();
    await scheduler?.stop();
    await Promise.resolve(search.close()).catch((err: Error) => log(`search: could not close cleanly: ${err.message}`));
    await mathWorker?.close().catch(() => {});
    db.sqlite.close();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((err) => {
  console.error(`papers: cannot start: ${(err as Error).message}`);
  process.exit(1);
});
