// Crawler settings from the environment, in one place, with their defaults.

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

export const DEFAULT_USER_AGENT =
  'papers-crawler/0.1 (paper search and reading site; polite: one request at a time, 3 s apart)';

function num(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw == null || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number >= ${min}, got "${raw}"`);
  return n;
}

function url(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = (env[name] || fallback).trim().replace(/\/+$/, '');
  try {
    const u = new URL(raw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    throw new Error(`${name} must be an http(s) URL, got "${raw}"`);
  }
  return raw;
}

export function crawlerConfigFromEnv(env: NodeJS.ProcessEnv = process.env): CrawlerConfig {
  return {
    rssUrl: url(env, 'ARXIV_RSS_URL', 'https://rss.arxiv.org/rss'),
    apiUrl: url(env, 'ARXIV_API_URL', 'https://export.arxiv.org/api/query'),
    oaiUrl: url(env, 'ARXIV_OAI_URL', 'https://oaipmh.arxiv.org/oai'),
    delayMs: num(env, 'ARXIV_DELAY_MS', 3000),
    timeoutMs: num(env, 'ARXIV_TIMEOUT_MS', 30_000, 1),
    maxAttempts: num(env, 'ARXIV_MAX_ATTEMPTS', 5, 1),
    backoffMs: num(env, 'ARXIV_BACKOFF_MS', 5000),
    maxRetryAfterMs: num(env, 'ARXIV_MAX_RETRY_AFTER_MS', 600_000),
    userAgent: env.ARXIV_USER_AGENT?.trim() || DEFAULT_USER_AGENT,
  };
}
