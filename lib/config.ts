// Every environment variable the program reads, declared once: its default,
// type, range and help text. `loadConfig()` validates them all at start;
// README.md's settings tables are generated from these declarations
// (`npm run docs:settings`) and tests/lib/config.test.ts fails when the two differ.
// Nothing else in the program reads process.env.

/** Which README table a setting belongs to. */
export type SettingGroup = 'server' | 'crawler' | 'search' | 'reading' | 'assistant' | 'tests';

export interface Setting<T> {
  readonly group: SettingGroup;
  readonly help: string;
  readonly default: T;
  /** The default as the README shows it. */
  readonly shown: string;
  /** The accepted values, as the README shows them. */
  readonly accepts: string;
  /** Turns a non-empty raw value into the setting; throws an Error whose message finishes "NAME …". */
  parse(raw: string): T;
}

interface Common {
  group: SettingGroup;
  help: string;
}

function setting<T>(spec: Common & { default: T; shown?: string; accepts: string; parse: (raw: string) => T }): Setting<T> {
  return { ...spec, shown: spec.shown ?? (spec.default == null ? 'unset' : `\`${String(spec.default)}\``) };
}

/** A number in [min, max]; `integer` refuses fractions. */
function num(def: number, min: number, max: number, c: Common & { integer?: boolean; unit?: string }): Setting<number> {
  const what = c.integer ? 'an integer' : 'a number';
  return setting({
    ...c,
    default: def,
    accepts: `${what} ${min}–${max === Infinity ? '∞' : max}${c.unit ? ` (${c.unit})` : ''}`,
    parse(raw) {
      const n = Number(raw);
      if (!Number.isFinite(n) || n < min || n > max || (c.integer && !Number.isInteger(n))) {
        throw new Error(`must be ${what} >= ${min}${max === Infinity ? '' : ` and <= ${max}`}, got "${raw}"`);
      }
      return n;
    },
  });
}

/** Free text; `def` null means unset. */
function text<D extends string | null>(def: D, c: Common & { secret?: boolean; accepts?: string }): Setting<string | D> {
  return setting<string | D>({ ...c, default: def, accepts: c.accepts ?? (c.secret ? 'a secret string' : 'text'), parse: (raw) => raw });
}

/** An http(s) URL without trailing slashes; `def` null means unset. */
function url<D extends string | null>(def: D, c: Common): Setting<string | D> {
  return setting<string | D>({
    ...c,
    default: def,
    accepts: 'an http(s) URL',
    parse(raw) {
      const s = raw.trim().replace(/\/+$/, '');
      let ok = false;
      try {
        const u = new URL(s);
        ok = u.protocol === 'http:' || u.protocol === 'https:';
      } catch {
        ok = false;
      }
      if (!ok) throw new Error(`must be an http(s) URL, got "${raw}"`);
      return s;
    },
  });
}

/** `on` or `off` (also 1/0, true/false, yes/no). */
function onOff(def: boolean, c: Common): Setting<boolean> {
  return setting({
    ...c,
    default: def,
    shown: def ? '`on`' : '`off`',
    accepts: '`on` or `off`',
    parse(raw) {
      const s = raw.trim().toLowerCase();
      if (['on', '1', 'true', 'yes'].includes(s)) return true;
      if (['off', '0', 'false', 'no'].includes(s)) return false;
      throw new Error(`must be "on" or "off", got "${raw}"`);
    },
  });
}

function oneOf<T extends string>(values: readonly T[], def: T, c: Common): Setting<T> {
  return setting({
    ...c,
    default: def,
    accepts: values.map((v) => `\`${v}\``).join(' or '),
    parse(raw) {
      const s = raw.trim().toLowerCase() as T;
      if (!values.includes(s)) throw new Error(`must be ${values.map((v) => `"${v}"`).join(' or ')}, got "${raw}"`);
      return s;
    },
  });
}

/** A comma-separated list (spaces around items ignored, empty items dropped). */
function list(def: readonly string[], c: Common & { item: RegExp; accepts: string }): Setting<readonly string[]> {
  return setting<readonly string[]>({
    ...c,
    default: def,
    shown: `\`${def.join(',')}\``,
    parse(raw) {
      const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
      const bad = items.find((s) => !c.item.test(s));
      if (bad !== undefined || !items.length) throw new Error(`must be ${c.accepts}, got "${raw}"`);
      return items;
    },
  });
}

const S = (group: SettingGroup, help: string): Common => ({ group, help });

/** The declarations, in README order within each group. */
export const SETTINGS = {
  // ---- server
  DATA_DIR: text('./data', { ...S('server', 'where `papers.db` and search snapshots live'), accepts: 'a folder path' }),
  PORT: num(3000, 0, 65535, { ...S('server', 'HTTP port (0: any free port)'), integer: true }),
  HOST: text('0.0.0.0', { ...S('server', 'interface to listen on'), accepts: 'an address' }),
  ADMIN_TOKEN: text(null, {
    ...S('server', 'bearer token for actions that cost money or change state (`/api/admin/*`, uncached translations beyond the per-client budget); without it admin endpoints answer 403'),
    secret: true,
  }),
  SAMPLE: onOff(true, S('server', "on an empty database `npm start` first imports the bundled sample (`db/sample/arxiv-sample.jsonl.gz`, a few thousand real arXiv papers) through the normal importer, so the site has something to show before the first crawl; the home page marks it as a sample. `off` starts empty")),
  PUBLIC_ORIGIN: url(null, S('server', "the site's public address, e.g. `https://papers.example.org`, for absolute URLs in feeds, canonical links and the OpenSearch description; unset: the address a request reached the server on (never the request's `Host` header)")),
  COMPRESS: onOff(true, S('server', 'brotli/gzip for HTML, JSON, feeds, CSS and JavaScript; cached pages and bundles are compressed once per encoding. `off` sends them as they are (for comparison)')),
  CLIENT_RATE_PER_S: num(10, 0, 100_000, { ...S('server', "requests per second one client (address) may make to the costly routes: searches, related papers, keyword-ranked listings, `/api/math`; past it 429 with Retry-After. 0: no limit (a site behind a proxy that hides client addresses)"), unit: '/s' }),
  CLIENT_BURST: num(60, 1, 1_000_000, { ...S('server', 'how many of those requests a client may make at once before the rate applies'), integer: true }),
  MATH_WORKER: onOff(true, S('server', 'MathJax runs in a thread of its own (`server/math/thread.ts`) at nice 10, so typesetting gets only the CPU time that requests and the index thread leave; pages wait for their new formulas at most their budget. `off` typesets on the request loop within the same budgets')),
  MATH_FILL_MS: num(10_000, 100, 86_400_000, { ...S('server', 'how often the server checks for new papers whose formulas to typeset in the background'), integer: true, unit: 'ms' }),

  // ---- crawler
  CRAWL: onOff(true, S('crawler', '`off` disables the scheduled crawler in `npm start`')),
  ARXIV_CATEGORIES: list(['cs.LG', 'cs.CL', 'cs.CV', 'cs.AI', 'stat.ML'], {
    ...S('crawler', 'categories the scheduler follows'),
    item: /^[a-z][a-z-]*(\.[A-Za-z-]+)?$/,
    accepts: 'comma-separated arXiv categories',
  }),
  CRAWL_INTERVAL_MIN: num(60, 1, 10_080, { ...S('crawler', 'minutes between scheduled crawls'), unit: 'minutes' }),
  CRAWL_MIN_GAP_S: num(60, 0, 86_400, { ...S('crawler', 'least time between two crawls triggered through `POST /api/admin/crawl`'), unit: 's' }),
  ARXIV_RSS_URL: url('https://rss.arxiv.org/rss', S('crawler', 'daily lists, `<url>/<cat>`')),
  ARXIV_API_URL: url('https://export.arxiv.org/api/query', S('crawler', 'arXiv API (Atom)')),
  ARXIV_OAI_URL: url('https://oaipmh.arxiv.org/oai', S('crawler', 'OAI-PMH endpoint')),
  ARXIV_DELAY_MS: num(3000, 0, 600_000, { ...S('crawler', 'pause between two requests to arXiv (arXiv asks for 3 s)'), unit: 'ms' }),
  ARXIV_TIMEOUT_MS: num(30_000, 1, 3_600_000, { ...S('crawler', "one request's time limit"), unit: 'ms' }),
  ARXIV_MAX_ATTEMPTS: num(5, 1, 100, { ...S('crawler', 'tries per request (network errors, timeouts, 5xx, malformed pages) before the crawl stops'), integer: true }),
  ARXIV_BACKOFF_MS: num(5000, 0, 3_600_000, { ...S('crawler', 'first retry pause, doubled on each retry'), unit: 'ms' }),
  ARXIV_MAX_RETRY_AFTER_MS: num(600_000, 0, 86_400_000, { ...S('crawler', "cap on a server's `Retry-After`"), unit: 'ms' }),
  ARXIV_HTML_URL: url('https://arxiv.org/html', S('crawler', "arXiv's HTML versions (LaTeXML), `<url>/<id>v<n>`: the assistant's full text, and the reader's HTML link")),
  ARXIV_PDF_URL: url('https://arxiv.org/pdf', S('crawler', "arXiv's PDFs, `<url>/<id>v<n>`: full text when a paper has no HTML version, and what the inline reader loads in the browser")),
  FULLTEXT_MAX_MB: num(50, 1, 2048, { ...S('crawler', 'largest HTML page or PDF read for full text; a larger one is refused after this many bytes'), unit: 'MB' }),
  FULLTEXT_CACHE_MB: num(200, 1, 100_000, { ...S('crawler', 'bound on the private full-text cache in SQLite (`fulltext_cache`; least recently used texts go first); never served to readers'), unit: 'MB' }),
  ON_DEMAND: onOff(true, S('crawler', '`/arxiv/<id>` for a paper the database lacks asks arXiv for it (through the crawler\'s client, ahead of scheduled work); `off` stops these lookups (`CRAWL=off` does not)')),
  ON_DEMAND_BUDGET: num(30, 0, 100_000, { ...S('crawler', 'lookups of unknown ids per client per hour served ahead of the schedule; beyond it a client\'s lookups wait behind scheduled and backfill work'), integer: true }),
  ON_DEMAND_NOT_FOUND_MIN: num(60, 0, 10_080, { ...S('crawler', 'minutes an id arXiv does not know is remembered as unknown before arXiv is asked again'), unit: 'minutes' }),
  ARXIV_USER_AGENT: text('papers-crawler/0.1 (paper search and reading site; polite: one request at a time, 3 s apart)', {
    ...S('crawler', 'sent with every request'),
  }),

  // ---- search
  SEARCH_ENGINE: oneOf(['minisearch', 'fts5'] as const, 'minisearch', S('search', 'which engine answers searches (see Search)')),
  SEARCH_SYNC_MS: num(2000, 50, 3_600_000, { ...S('search', 'how often the server looks for papers written by other processes (db/changes.ts); the search index and the math cache then catch up'), integer: true, unit: 'ms' }),
  SEARCH_WORKER: onOff(true, S('search', 'the search engine runs in a worker thread of its own (for `minisearch` its heap, collections, indexing and snapshot saves; for `fts5` its queries and the wait for its range threads: all off the request loop); a query is a message answered by a promise, so pages are served while the index thread works. The thread has a 96 MB young generation, so load does not push the index into long major collections (a fixed cost on top of the index). `off` keeps the engine on the main thread')),
  CC: text('cc', { ...S('search', "C compiler for the fts5 engine's ranking function (`search/fts5_rank.c`, compiled on first use); without one the engine ranks with `bm25()` in two passes, with the same results"), accepts: 'a command' }),

  // ---- reading
  TRANSLATE_API_URL: url(null, S('reading', 'OpenAI-compatible chat-completions base URL, e.g. `https://api.openai.com/v1`; unset: `LLM_API_URL` (and then `LLM_API_KEY`); both unset: translation off')),
  TRANSLATE_API_KEY: text(null, { ...S('reading', 'bearer key for `TRANSLATE_API_URL` (never `LLM_API_KEY`: that key goes only to `LLM_API_URL`)'), secret: true }),
  TRANSLATE_MODEL: text(null, { ...S('reading', 'model name sent to it; unset: `LLM_MODEL`'), accepts: 'a model name' }),
  TRANSLATE_LANG: text('zh', { ...S('reading', 'target language of translated reading'), accepts: 'a language code' }),
  TRANSLATE_DAILY_MAX: num(500, 1, 10_000_000, { ...S('reading', 'new paper translations the whole site may ask the provider for per UTC day (cached ones are free); past it, readers are told to come back tomorrow'), integer: true }),

  // ---- reading assistant (server/assistant/): nothing is sent anywhere unless LLM_API_URL is set
  LLM_API_URL: url(null, S('assistant', 'OpenAI-compatible chat-completions base URL for the reading assistant (FAQ and follow-up questions), e.g. `https://api.openai.com/v1` or a local Ollama / llama.cpp / vLLM `…/v1`; unset: the assistant is off and nothing is sent')),
  LLM_API_KEY: text(null, { ...S('assistant', 'bearer key for `LLM_API_URL` (local servers usually need none)'), secret: true }),
  LLM_MODEL: text('gpt-4o-mini', { ...S('assistant', 'model name sent to `LLM_API_URL`; part of every cached answer\'s key'), accepts: 'a model name' }),
  LLM_CONTEXT_TOKENS: num(32_000, 2000, 10_000_000, { ...S('assistant', "the model's context window; the paper is cut to fit it by the rule in `server/assistant/context.ts` (abstract, introduction, method and conclusion first; references dropped), counting 4 characters a token"), integer: true, unit: 'tokens' }),
  LLM_MAX_ATTEMPTS: num(4, 1, 20, { ...S('assistant', 'tries per answer on provider faults (429, 5xx, a dropped stream, malformed chunks, a refusal, an empty reply) before the page shows "try again"'), integer: true }),
  LLM_BACKOFF_MS: num(2000, 0, 600_000, { ...S('assistant', 'first retry pause, doubled on each retry (a `Retry-After` longer than it wins)'), integer: true, unit: 'ms' }),
  LLM_MAX_RETRY_AFTER_MS: num(120_000, 0, 3_600_000, { ...S('assistant', "cap on a provider's `Retry-After`"), integer: true, unit: 'ms' }),
  LLM_TIMEOUT_MS: num(120_000, 100, 3_600_000, { ...S('assistant', 'an attempt fails when the provider sends nothing for this long (before the first byte or between two chunks)'), integer: true, unit: 'ms' }),
  FAQ_CONCURRENCY: num(1, 1, 64, { ...S('assistant', 'answers generated at once; the rest wait in line and readers see their place'), integer: true }),
  FAQ_LANG: oneOf(['en', 'zh'] as const, 'en', S('assistant', 'language of the FAQ when the reader does not ask (`?lang=`)')),
  FAQ_CLIENT_MAX: num(20, 0, 1_000_000, { ...S('assistant', 'new (uncached) answers one client may start per hour; cached answers are free; `ADMIN_TOKEN` goes past it'), integer: true }),
  FAQ_DAILY_MAX: num(500, 0, 10_000_000, { ...S('assistant', 'new answers the whole site may start per UTC day; `ADMIN_TOKEN` goes past it'), integer: true }),

  // ---- tests and benchmarks (read by tests/ and bench/, never by the server)
  GOLDEN_DIR: text('tests/fixtures/golden', { ...S('tests', 'reference cases for `npm run test:golden`'), accepts: 'a folder path' }),
  SHARED_DIR: text('../shared', { ...S('tests', 'the full shared data (85,000-paper corpus) that `bench:*` read when present; tests never need it'), accepts: 'a folder path' }),
  TEST_CONCURRENCY: num(2, 1, 64, { ...S('tests', 'test files `npm test` runs at once'), integer: true }),
  TEST_TIMEOUT_MS: num(300_000, 1000, 86_400_000, { ...S('tests', 'a test that runs longer fails'), integer: true, unit: 'ms' }),
  CHROMIUM_PATH: text(null, { ...S('tests', 'Chromium for browser tests; unset: a system Chromium, else the one in `@sparticuz/chromium`'), accepts: 'an executable path' }),
  FUZZ_SEED: num(6006, 0, 2 ** 31, { ...S('tests', 'seed of the hostile-input fuzz tests (`tests/hardening/fuzz.test.ts`)'), integer: true }),
  FUZZ_RUNS: num(300, 1, 1_000_000, { ...S('tests', 'inputs per fuzz property'), integer: true }),
  FAULT_SEED: num(1234, 0, 2 ** 31, { ...S('tests', 'seed of the kill-and-resume fault tests'), integer: true }),
  CRAWL_TEST_SEED: num(20260427, 0, 2 ** 31, { ...S('tests', 'seed of the crawler resume tests'), integer: true }),
} satisfies Record<string, Setting<unknown>>;

export type SettingName = keyof typeof SETTINGS;
export type Config = { readonly [K in SettingName]: (typeof SETTINGS)[K] extends Setting<infer T> ? T : never };

/** Every bad value at once; the message is the problems joined by "; " ("PORT must be …; HOST …"). */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
  }
}

/** One setting from the environment: its default when unset or empty; throws "NAME must be …" when invalid. */
export function readSetting<K extends SettingName>(name: K, env: Record<string, string | undefined> = process.env): Config[K] {
  const s = SETTINGS[name] as Setting<Config[K]>;
  const raw = env[name];
  if (raw == null || raw.trim() === '') return s.default;
  try {
    return s.parse(raw);
  } catch (err) {
    throw new Error(`${name} ${(err as Error).message}`);
  }
}

/**
 * Every setting of the given groups (default: all) from the environment,
 * validated together: one ConfigError names every bad value at once.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env, groups?: readonly SettingGroup[]): Config {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const name of Object.keys(SETTINGS) as SettingName[]) {
    if (groups && !groups.includes(SETTINGS[name].group)) {
      out[name] = SETTINGS[name].default;
      continue;
    }
    try {
      out[name] = readSetting(name, env);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return out as Config;
}

const GROUP_TITLES: Record<SettingGroup, string> = {
  server: 'Server',
  crawler: 'Crawler',
  search: 'Search',
  reading: 'Reading (translation)',
  assistant: 'Reading assistant (LLM FAQ)',
  tests: 'Tests and benchmarks (not read by the server)',
};

/** The README's settings tables, one per group, generated from SETTINGS. */
export function settingsMarkdown(): string {
  const parts: string[] = [];
  for (const group of Object.keys(GROUP_TITLES) as SettingGroup[]) {
    const rows = (Object.entries(SETTINGS) as [string, Setting<unknown>][]).filter(([, s]) => s.group === group);
    if (!rows.length) continue;
    parts.push(`**${GROUP_TITLES[group]}**\n\n| variable | default | accepts | meaning |\n|---|---|---|---|`);
    for (const [name, s] of rows) parts.push(`| \`${name}\` | ${s.shown} | ${s.accepts} | ${s.help.replaceAll('|', '\\|')} |`);
    parts.push('');
  }
  return parts.join('\n').trimEnd() + '\n';
}
