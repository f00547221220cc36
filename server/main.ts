// Node entry: open the database (migrating it), load the search index, bundle
// the browser code, schedule the crawler and serve. Configuration is read here
// and only here from the environment; README.md lists every variable.
import { serve } from '@hono/node-server';
import { openDb } from '../db/client.ts';
import { createApp } from './app.ts';
import { buildAssets } from './assets.ts';
import { openSearch } from '../search/index.ts';
import { startScheduler } from '../scripts/crawler/scheduler.ts';
import { translatorFromEnv } from './translate.ts';
import { fillMathCacheInBackground } from './math.ts';
import { maxSeq } from '../db/queries.ts';

const DEFAULT_CATEGORIES = 'cs.LG,cs.CL,cs.CV,cs.AI,stat.ML';

function log(line: string): void {
  console.log(`${new Date().toISOString()} ${line}`);
}

async function main(): Promise<void> {
  const port = Number(process.env.PORT || 3000);
  const host = process.env.HOST || '0.0.0.0';
  const db = openDb();
  const search = await openSearch(db, { log });
  // Rows written by a crawl or import in another process become searchable here.
  const syncMs = Number(process.env.SEARCH_SYNC_MS || 2000);
  // In slices of 50 papers (~15 ms), each followed by a pause three times as
  // long, so a big import never takes more than a quarter of the event loop from readers.
  const SYNC_SLICE = 50;
  let syncing = false;
  const syncSlice = (total: number) => {
    try {
      const t = performance.now();
      const n = search.sync(SYNC_SLICE);
      if (n > 0) return void setTimeout(() => syncSlice(total + n), Math.max(5, 3 * (performance.now() - t)));
      if (total + n) log(`search: indexed ${total + n} changed papers`);
    } catch (err) {
      log(`search: sync failed, will retry: ${(err as Error).message}`);
    }
    syncing = false;
  };
  const syncTimer = setInterval(() => {
    if (syncing) return;
    syncing = true;
    syncSlice(0);
  }, syncMs);
  syncTimer.unref();

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
    clearInterval(syncTimer);
    clearInterval(mathTimer);
    server.close();
    await scheduler?.stop();
    search.close();
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
