// `npm run crawl -- --source rss|api|oai ...`: one crawl in the foreground,
// progress on stdout, a final count line, exit 1 with one line on failure.
import { openDb } from '../db/client.ts';
import { ArxivClient } from './crawler/client.ts';
import { sharedPace } from './crawler/pace.ts';
import { crawlerConfigFromEnv } from './crawler/config.ts';
import { type CrawlContext, type CrawlSummary, crawlApiCategory, crawlRss, fetchIds, harvestOai, summaryLine } from './crawler/crawls.ts';
import { describeError } from './crawler/errors.ts';
import { type CrawlPlan, FlagError, USAGE, parseCrawlFlags } from './crawler/flags.ts';

async function run(plan: CrawlPlan, ctx: CrawlContext): Promise<CrawlSummary[]> {
  switch (plan.source) {
    case 'rss': {
      const out: CrawlSummary[] = [];
      for (const category of plan.categories) out.push(await crawlRss(ctx, { category, restart: plan.restart }));
      return out;
    }
    case 'api':
      return plan.mode === 'ids'
        ? [await fetchIds(ctx, plan.ids)]
        : [await crawlApiCategory(ctx, plan)];
    case 'oai':
      return [await harvestOai(ctx, plan)];
    case 'help':
      return [];
  }
}

async function main(): Promise<number> {
  let plan: CrawlPlan;
  try {
    plan = parseCrawlFlags(process.argv.slice(2));
  } catch (err) {
    if (err instanceof FlagError) {
      console.error(`crawl: ${err.message} (see --help)`);
      return 1;
    }
    throw err;
  }
  if (plan.source === 'help') {
    console.log(USAGE);
    return 0;
  }
  const config = crawlerConfigFromEnv();
  const log = (line: string) => console.log(line);
  const db = openDb();
  const client = new ArxivClient({ ...config, onRetry: (line) => console.log(`retry: ${line}`), pace: sharedPace(db) });
  try {
    const summaries = await run(plan, { db, client, config, log });
    for (const s of summaries) console.log(summaryLine(s));
    return 0;
  } finally {
    db.sqlite.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`crawl: failed: ${describeError(err)}`);
    process.exit(1);
  },
);
