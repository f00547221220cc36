// Shared set-up for crawler tests: a real fixture server on 127.0.0.1, a real
// SQLite file in a temp dir, and a client with tiny delays.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDb, type Db } from '../../db/client.ts';
import { ArxivClient } from '../../scripts/crawler/client.ts';
import type { CrawlerConfig } from '../../scripts/crawler/config.ts';
import type { CrawlContext } from '../../scripts/crawler/crawls.ts';
import { type FixtureServer, type FixtureServerOptions, startFixtureServer } from '../../scripts/fixture-server.ts';
import { FIXTURES, tempDir } from '../helpers.ts';

export const OAI_FIXTURE = join(FIXTURES, 'oai', 'ListRecords_arXiv_set-physics-hep-th_from-2016-01-01.xml');

export function fixtureText(rel: string): string {
  return readFileSync(join(FIXTURES, rel), 'utf8');
}

/** Ids in a fixture, read with a plain regex so expectations do not depend on the parser under test. */
export function oaiFixtureIds(): string[] {
  return [...fixtureText('oai/ListRecords_arXiv_set-physics-hep-th_from-2016-01-01.xml').matchAll(/<identifier>oai:arXiv\.org:([^<]+)<\/identifier>/g)].map((m) => m[1]);
}

export function atomFixtureIds(rel: string): string[] {
  return [...fixtureText(rel).matchAll(/<entry>\s*<id>https?:\/\/arxiv\.org\/abs\/([^<]+?)(?:v\d+)?<\/id>/g)].map((m) => m[1]);
}

export interface Harness {
  db: Db;
  server: FixtureServer;
  ctx: CrawlContext;
  client: ArxivClient;
  config: CrawlerConfig;
  dataDir: string;
  logs: string[];
  close(): Promise<void>;
}

export async function harness(
  serverOpts: FixtureServerOptions = {},
  settings: Partial<CrawlerConfig> = {},
): Promise<Harness> {
  const dir = tempDir('papers-crawler-');
  const server = await startFixtureServer({ ...serverOpts });
  const db = openDb(join(dir.path, 'papers.db'));
  const config: CrawlerConfig = {
    rssUrl: server.env.ARXIV_RSS_URL,
    apiUrl: server.env.ARXIV_API_URL,
    oaiUrl: server.env.ARXIV_OAI_URL,
    delayMs: 5,
    timeoutMs: 5000,
    maxAttempts: 3,
    backoffMs: 10,
    maxRetryAfterMs: 5000,
    userAgent: 'papers-crawler-test/1.0',
    ...settings,
  };
  const logs: string[] = [];
  const client = new ArxivClient({ ...config, onRetry: (l) => logs.push(`retry: ${l}`) });
  return {
    db,
    server,
    client,
    config,
    dataDir: dir.path,
    logs,
    ctx: { db, client, config, log: (l) => logs.push(l) },
    async close() {
      db.sqlite.close();
      await server.close();
      dir.cleanup();
    },
  };
}

export function count(db: Db, sql: string, ...args: unknown[]): number {
  return db.sqlite.prepare(sql).pluck().get(...args) as number;
}
