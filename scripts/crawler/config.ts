// The crawler's settings, as the crawl code uses them. The variables
// themselves (defaults, ranges, help) are declared in lib/config.ts.
import { loadConfig, type Config } from '../../lib/config.ts';

export interface CrawlerConfig {
  rssUrl: string;
  apiUrl: string;
  oaiUrl: string;
  /** Pause between two requests (arXiv asks for 3 s). */
  delayMs: number;
  /** Per request, headers and body together. */
  timeoutMs: number;
  /** Tries per request before the crawl gives up. */
  maxAttempts: number;
  /** First retry waits this long, then twice as long each time. */
  backoffMs: number;
  /** Upper bound on a server's Retry-After, so a bad header cannot stall us for days. */
  maxRetryAfterMs: number;
  userAgent: string;
}

/** The crawler's part of a loaded configuration. */
export function crawlerConfig(c: Config): CrawlerConfig {
  return {
    rssUrl: c.ARXIV_RSS_URL,
    apiUrl: c.ARXIV_API_URL,
    oaiUrl: c.ARXIV_OAI_URL,
    delayMs: c.ARXIV_DELAY_MS,
    timeoutMs: c.ARXIV_TIMEOUT_MS,
    maxAttempts: c.ARXIV_MAX_ATTEMPTS,
    backoffMs: c.ARXIV_BACKOFF_MS,
    maxRetryAfterMs: c.ARXIV_MAX_RETRY_AFTER_MS,
    userAgent: c.ARXIV_USER_AGENT.trim(),
  };
}

/** The crawler's settings from the environment; throws naming every bad value. */
export function crawlerConfigFromEnv(env: Record<string, string | undefined> = process.env): CrawlerConfig {
  return crawlerConfig(loadConfig(env, ['crawler']));
}

/** Where full texts come from and how much of them is read and kept (scripts/crawler/fulltext.ts). */
export interface FullTextConfig {
  /** LaTeXML HTML, `<htmlUrl>/<id>v<n>`. */
  htmlUrl: string;
  /** PDF, `<pdfUrl>/<id>v<n>`. */
  pdfUrl: string;
  /** Largest body read. */
  maxBytes: number;
  /** Bound on the fulltext_cache table. */
  cacheBytes: number;
}

export function fullTextConfig(c: Config): FullTextConfig {
  return {
    htmlUrl: c.ARXIV_HTML_URL,
    pdfUrl: c.ARXIV_PDF_URL,
    maxBytes: Math.round(c.FULLTEXT_MAX_MB * 1024 * 1024),
    cacheBytes: Math.round(c.FULLTEXT_CACHE_MB * 1024 * 1024),
  };
}
