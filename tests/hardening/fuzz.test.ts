// Property-based fuzzing of every route's path segments and query parameters
// (fast-check, seeded): never a 500, never an uncaught exception, every answer
// within a time bound, for both search engines. Plus hand-picked pathological
// queries: thousands of terms, deep quotes and brackets, huge prefixes.
import { test, before, after } from 'node:test';
import { readSetting } from '../../lib/config.ts';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Hono } from 'hono';
import { createApp } from '../../server/app.ts';
import { openSearch } from '../../search/index.ts';
import type { LocalSearchEngine } from '../../search/types.ts';
import { Translator } from '../../server/translate.ts';
import { tempDir } from '../helpers.ts';
import { seedDb, HOSTILE, DAY1, type Seeded } from '../pages/fixture.ts';

const SEED = readSetting('FUZZ_SEED');
const RUNS = readSetting('FUZZ_RUNS');
/** Generous for a shared, loaded 2-core machine; a pathological query that explodes takes far longer. */
const BOUND_MS = 5000;

let dir: ReturnType<typeof tempDir>;
let seed: Seeded;
const engines: LocalSearchEngine[] = [];
const apps: [string, Hono][] = [];
const uncaught: unknown[] = [];
const onUncaught = (e: unknown) => uncaught.push(e);
const serverErrors: string[] = [];
const consoleError = console.error;

before(async () => {
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  // The app logs every 500 through console.error; collect them too.
  console.error = (...args: unknown[]) => serverErrors.push(args.map(String).join(' '));
  dir = tempDir('hardening-fuzz-');
  seed = await seedDb(dir.path, 40);
  for (const name of ['minisearch', 'fts5'] as const) {
    const e = await openSearch(seed.db, { engine: name, dataDir: dir.path });
    engines.push(e);
    apps.push([name, createApp({ db: seed.db, search: e, translator: new Translator(seed.db, null), adminToken: 'tok' })]);
  }
});

after(() => {
  console.error = consoleError;
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUncaught);
  for (const e of engines) e.close();
  seed?.db.sqlite.close();
  dir?.cleanup();
});

// Pieces that mean something to some route, mixed with noise.
const piece = fc.constantFrom(
  'a', 'model', 'learning', ' ', '  ', '"', '(', ')', '-', ':', '*', 'OR', 'AND', 'NOT', 'ti:', 'abs:', 'au:', 'cat:', 'cat:cs.LG', 'cat:cs',
  'year:', 'year:2024', 'from:', 'to:2026-13-45', 'from:2024-05', '2405.01234', 'hep-th/9901001', 'arxiv.org/abs/2604.90001v2', '$x^2$',
  '\\', '\\href{javascript:alert(1)}{x}', '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', '%', '%00', '%ZZ', '&', '#', '?',
  '\u0000', '\u202e', '\ud800', 'é', '中文', '🙂', '{', '}', '[', ']', ',', '.', '..', '/', '//', '-1', '0', '999999999999', '1e9', 'NaN',
);
const text = fc.oneof(
  fc.array(piece, { maxLength: 30 }).map((xs) => xs.join('')),
  fc.string({ maxLength: 120 }),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
);
const num = fc.oneof(fc.integer({ min: -5, max: 2_000_000_000 }).map(String), fc.constantFrom('', '0', '1', '25', '100', '101', '1.5', '-0', 'x', ' 3', '1e3', '99999999999999999999'), text);

/** Percent-encodes a value for a query string, keeping lone surrogates from throwing. */
function enc(v: string): string {
  return encodeURIComponent(v.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));
}

/** Every route family with the parameters it reads, each given a hostile or odd value. */
const request = fc.oneof(
  fc.record({ q: text, size: num, page: num }).map((p) => `/api/search?q=${enc(p.q)}&size=${enc(p.size)}&page=${enc(p.page)}`),
  fc.record({ q: text, size: num }).map((p) => `/api/related?q=${enc(p.q)}&size=${enc(p.size)}`),
  fc.record({ q: text, offset: num }).map((p) => `/arxiv/search?query=${enc(p.q)}&offset=${enc(p.offset)}`),
  fc.record({ q: text, offset: num }).map((p) => `/arxiv/search/chunk?query=${enc(p.q)}&offset=${enc(p.offset)}`),
  fc.record({ q: text }).map((p) => `/arxiv/search/feed?query=${enc(p.q)}`),
  fc.record({ q: text, offset: num }).map((p) => `/api/arxiv/search?q=${enc(p.q)}&offset=${enc(p.offset)}`),
  fc
    .record({
      spec: fc.oneof(fc.constantFrom('cs.LG', 'cs', 'cs.LG,cs.CL', 'cs.LG-cs.CV', 'cs.CR', 'math.RT', 'no.such', 'a-b-c', 'cs.LG,,', 'x:y'), text),
      tail: fc.constantFrom('', '/chunk', '/feed'),
      api: fc.boolean(),
      date: fc.oneof(fc.constantFrom(DAY1, '2026-02-30', '0000-00-00', '9999-12-31'), text),
      sort: fc.oneof(fc.constantFrom('arxiv', 'newest', 'keywords'), text),
      kw: text,
      offset: num,
    })
    .map((p) => `${p.api ? '/api' : ''}/arxiv/${enc(p.spec)}${p.api ? '' : p.tail}?date=${enc(p.date)}&sort=${enc(p.sort)}&kw=${enc(p.kw)}&offset=${enc(p.offset)}`),
  fc
    .record({
      id: fc.oneof(fc.constantFrom(...Object.values(HOSTILE), 'hep-th/9901001', '2604.90001v9', '0704.0001', '9999.99999'), text),
      kind: fc.constantFrom('/arxiv/', '/api/arxiv/', '/api/papers/', '/abs/', '/pdf/', '/html/'),
      tail: fc.constantFrom('', '/related', '/related?fragment=1', '.pdf'),
      size: num,
    })
    .map((p) => `${p.kind}${enc(p.id)}${p.tail}${p.tail.includes('?') ? '&' : '?'}size=${enc(p.size)}`),
  fc.record({ ids: text }).map((p) => `/stars?ids=${enc(p.ids)}`),
  fc.record({ ids: text }).map((p) => `/api/stars?ids=${enc(p.ids)}`),
  fc.record({ k: text, v: fc.constantFrom('in', 'out', 'x') }).map((p) => `/arxiv?${enc(p.k)}=${p.v}&cs.LG=in`),
  fc.record({ name: text }).map((p) => `/demos/${enc(p.name)}`),
  fc.record({ name: text }).map((p) => `/api/demos/${enc(p.name)}`),
  fc.record({ name: text }).map((p) => `/static/${enc(p.name)}`),
  fc.record({ name: text }).map((p) => `/math/fonts/${enc(p.name)}`),
  fc.record({ lang: text }).map((p) => `/api/translate/status?lang=${enc(p.lang)}`),
  // Raw, unencoded garbage in the path itself.
  fc.array(piece, { minLength: 1, maxLength: 12 }).map((xs) => '/' + xs.join('').replace(/[\s#?]/g, '_')),
);

async function probe(app: Hono, path: string): Promise<{ status: number; ms: number }> {
  const t = performance.now();
  let r: Response;
  try {
    r = await app.request(path);
  } catch (err) {
    // A URL the Request constructor itself refuses never reaches the server.
    if (err instanceof TypeError && /URL/i.test(err.message)) return { status: 400, ms: 0 };
    throw err;
  }
  await r.arrayBuffer();
  return { status: r.status, ms: performance.now() - t };
}

for (const name of ['minisearch', 'fts5'] as const) {
  test(`${name}: random requests to every route never give a 500, throw, or hang`, async () => {
    const app = apps.find(([n]) => n === name)![1];
    let slowest = 0;
    await fc.assert(
      fc.asyncProperty(request, async (path) => {
        const { status, ms } = await probe(app, path);
        slowest = Math.max(slowest, ms);
        assert.ok(status < 500, `${status} for ${path}`);
        assert.ok(ms < BOUND_MS, `${Math.round(ms)} ms for ${path}`);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    assert.deepEqual(serverErrors, []);
    assert.deepEqual(uncaught, []);
  });

  test(`${name}: POSTs with hostile bodies are refused cleanly`, async () => {
    const app = apps.find(([n]) => n === name)![1];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/api/translate', `/api/translate/${HOSTILE.script}`, '/api/admin/crawl', '/api/search', '/arxiv/cs.LG'),
        fc.oneof(text, fc.json(), fc.constantFrom('{"ids":[]}', '{"ids":["x"]}', '{"ids":[1,2]}', '{"ids":"2604.90001"}', 'null', '[]', '{"ids":[' + '"2604.90001",'.repeat(30) + '"x"]}')),
        fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', ''),
        async (path, body, type) => {
          const r = await app.request(path, { method: 'POST', body, headers: type ? { 'content-type': type } : {} });
          // 503 is the translation endpoints' deliberate "not configured here"; nothing else may be 5xx.
          const refusal = (r.status >= 400 && r.status < 500) || (r.status === 503 && path.startsWith('/api/translate'));
          assert.ok(refusal, `${r.status} for POST ${path} ${body.slice(0, 60)}`);
          await r.arrayBuffer();
        },
      ),
      { seed: SEED, numRuns: Math.ceil(RUNS / 3) },
    );
    assert.deepEqual(serverErrors, []);
  });
}

/** Queries built to hurt a parser or an index: each must answer (any 2xx/4xx) within the bound. */
function pathological(): string[] {
  const words = Array.from({ length: 3000 }, (_, i) => `w${i}`);
  return [
    words.join(' '),
    words.join(' OR '),
    'model '.repeat(900),
    '"'.repeat(999),
    '"a '.repeat(330),
    '('.repeat(999),
    '('.repeat(400) + 'a' + ')'.repeat(400),
    '-'.repeat(999) + 'a',
    '-(-(-(-(a)))) '.repeat(60),
    'a'.repeat(999),
    'a'.repeat(999) + '*',
    // Thirty long letter words, each with many compound splits: the look-ups of all their parts exceed the 500
    // UNION ALL arms SQLite allows in one statement unless they are batched.
    Array.from({ length: 30 }, (_, i) => 'abcdefghijklmnopqrstuvwxyz'.repeat(2).slice(i % 26, (i % 26) + 30) + 'abcdefghijklmnopqrstuvwxyz'[(i * 7) % 26]).join(' '),
    'ti:'.repeat(300),
    'cat:' + 'cs.LG,'.repeat(150),
    'year:' + '9'.repeat(990),
    'from:0000-01-01 to:9999-12-31 ' + 'cat:cs '.repeat(100),
    'a OR '.repeat(199) + 'a',
    '"' + 'the '.repeat(240) + '"',
    'e'.repeat(200) + ' ' + 'é'.repeat(200) + ' ' + '🙂'.repeat(200),
    '\u0000'.repeat(999),
  ];
}

for (const name of ['minisearch', 'fts5'] as const) {
  test(`${name}: pathological queries answer within the bound on every search route`, async () => {
    const app = apps.find(([n]) => n === name)![1];
    for (const q of pathological()) {
      for (const path of [
        `/api/search?q=${enc(q)}&size=100`,
        `/arxiv/search?query=${enc(q)}`,
        `/arxiv/search/feed?query=${enc(q)}`,
        `/api/related?q=${enc(q.repeat(10).slice(0, 10_000))}`,
        `/arxiv/cs.LG?sort=keywords&kw=${enc(q)}`,
      ]) {
        const { status, ms } = await probe(app, path);
        assert.ok(status < 500 && status !== 0, `${status} for ${path.slice(0, 80)}`);
        assert.ok(ms < BOUND_MS, `${Math.round(ms)} ms for ${path.slice(0, 80)}`);
      }
    }
    assert.deepEqual(serverErrors, []);
    assert.deepEqual(uncaught, []);
  });
}
