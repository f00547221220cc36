// On-demand fetch end to end: the real server process (CRAWL=off, so only
// readers' lookups talk to arXiv) against the fixture server on 127.0.0.1
// replaying real API answers. An unknown id goes 202 -> 200 and becomes
// searchable; two concurrent readers cause one upstream request; requests are
// spaced by ARXIV_DELAY_MS; unknown ids are 404s remembered for a while;
// 503 + Retry-After, a truncated Atom page and a slow arXiv are a 503 state
// with nothing stored.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, tempDir, type RunningServer } from '../helpers.ts';
import { startFixtureServer, type Fault, type FixtureServer } from '../../scripts/fixture-server.ts';
import { openDb } from '../../db/client.ts';
import { ingestBatch } from '../../db/queries.ts';
import type { Paper } from '../../db/paper.ts';

const DELAY_MS = 400;
const faultsByIds: Record<string, Fault> = {};
let fx: FixtureServer;
let srv: RunningServer;
let dir: ReturnType<typeof tempDir>;

/** Two papers the database holds before the server starts; a multi-paper page mixes them with one fetched on demand. */
const HELD: Paper[] = ['2604.90011', '2604.90012'].map((id, i) => ({
  id,
  version: 1,
  title: `Held paper ${i + 1} with $x_${i + 1}^2$`,
  abstract: `An abstract that is already stored, number ${i + 1}.`,
  authors: ['A. Holder'],
  categories: ['cs.LG'],
  published: '2026-04-01',
  updated: '2026-04-01',
  comments: null,
  journalRef: null,
  doi: null,
  license: null,
}));

before(async () => {
  dir = tempDir('papers-ondemand-');
  const seed = openDb(join(dir.path, 'papers.db'));
  ingestBatch(seed, { papers: HELD });
  seed.sqlite.close();
  fx = await startFixtureServer({ faults: ({ params }) => faultsByIds[params.id_list ?? ''], delayMs: 150 });
  srv = await startServer(
    {
      ...fx.env,
      DATA_DIR: dir.path,
      CRAWL: 'off',
      ARXIV_DELAY_MS: String(DELAY_MS),
      ARXIV_MAX_ATTEMPTS: '2',
      ARXIV_BACKOFF_MS: '50',
      ARXIV_TIMEOUT_MS: '1500',
      SEARCH_SYNC_MS: '200',
      MATH_WORKER: 'off',
      SEARCH_WORKER: 'off',
    },
    180_000,
  );
});

after(async () => {
  await srv?.stop();
  await fx?.close();
  dir?.cleanup();
});

async function get(path: string) {
  const res = await fetch(srv.url + path, { redirect: 'manual' });
  return { status: res.status, body: await res.text(), headers: res.headers };
}

/** Polls the JSON twin until it stops answering 202. */
async function settle(id: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await get(`/api/arxiv/${id}`);
    if (r.status !== 202 || Date.now() > deadline) return r;
    assert.equal(JSON.parse(r.body).status, 'fetching');
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

function asked(id: string) {
  return fx.requests.filter((r) => r.path === '/api/query' && (r.params.id_list ?? '').split(',').includes(id));
}

test('an unknown id: 202 "fetching" for two concurrent readers, one upstream request, then 200 and searchable', async () => {
  const id = '1605.08386';
  const [a, b] = await Promise.all([get(`/arxiv/${id}`), get(`/arxiv/${id}`)]);
  for (const r of [a, b]) {
    assert.equal(r.status, 202);
    assert.ok(r.body.includes(`Fetching ${id} from arXiv…`));
    assert.ok(r.body.includes(`data-poll="/api/arxiv/${id}"`), 'the page polls its JSON twin');
    assert.ok(r.body.includes(`<a href="/arxiv/${id}">Refresh</a>`), 'a plain refresh link without JavaScript');
    assert.ok(r.body.includes('/static/fetching.js'));
    assert.ok(r.headers.get('retry-after'));
  }
  const json = await get(`/api/arxiv/${id}`);
  assert.ok(json.status === 202 || json.status === 200);
  if (json.status === 202) assert.deepEqual(JSON.parse(json.body).status, 'fetching');
  const done = await settle(id);
  assert.equal(done.status, 200, done.body);
  assert.equal(JSON.parse(done.body).title, 'Heat-bath random walks with Markov bases');
  assert.equal(asked(id).length, 1, 'many readers, one request to arXiv');
  const page = await get(`/arxiv/${id}`);
  assert.equal(page.status, 200);
  assert.match(page.body, /<h1 class="paper-title">Heat-bath random walks with Markov bases/);
  // Searchable like any other paper once the index caught up.
  const deadline = Date.now() + 20_000;
  let ids: string[] = [];
  while (Date.now() < deadline) {
    ids = (JSON.parse((await get('/api/search?q=heat-bath+markov+bases')).body).results as { id: string }[]).map((r) => r.id);
    if (ids.includes(id)) break;
    await new Promise((ok) => setTimeout(ok, 200));
  }
  assert.ok(ids.includes(id), 'found by search');
});

test('lookups of different ids go one at a time, at least ARXIV_DELAY_MS apart', async () => {
  const ids = ['1707.08567', 'astro-ph/0601001'];
  for (const id of ids) assert.equal((await get(`/api/arxiv/${id}`)).status, 202, id);
  for (const id of ids) assert.equal((await settle(id)).status, 200, id);
  const at = fx.requests.filter((r) => r.path === '/api/query').map((r) => r.at);
  for (let i = 1; i < at.length; i++) assert.ok(at[i] - at[i - 1] >= DELAY_MS, `gap ${i}: ${at[i] - at[i - 1]} ms`);
});

test('an id arXiv does not know: 404 with a link to arxiv.org, remembered so arXiv is not asked again at once', async () => {
  const id = '2501.00001';
  assert.equal((await get(`/arxiv/${id}`)).status, 202);
  const r = await settle(id);
  assert.equal(r.status, 404);
  const json = JSON.parse(r.body);
  assert.equal(json.status, 'not-found');
  assert.equal(json.arxiv, `https://arxiv.org/abs/${id}`);
  const page = await get(`/arxiv/${id}`);
  assert.equal(page.status, 404);
  assert.ok(page.body.includes(`href="https://arxiv.org/abs/${id}"`));
  assert.ok(page.body.includes(`arXiv has no paper ${id}.`));
  assert.equal(asked(id).length, 1, 'asked once');
});

test('arXiv failing (503 + Retry-After, a truncated Atom page, too slow): a 503 state with Retry-After, a log line, nothing stored', async () => {
  const cases: [string, Fault][] = [
    ['2301.00001', { kind: '503', retryAfter: 1 }],
    ['2301.00002', { kind: 'malformed' }],
    ['2301.00003', { kind: 'slow', ms: 5000 }],
    ['2301.00004', { kind: 'drop' }],
  ];
  for (const [id, fault] of cases) {
    faultsByIds[id] = fault;
    assert.equal((await get(`/arxiv/${id}`)).status, 202, id);
    const r = await settle(id, 60_000);
    assert.equal(r.status, 503, `${id} ${fault.kind}: ${r.body}`);
    const json = JSON.parse(r.body);
    assert.equal(json.status, 'unavailable');
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
    const page = await get(`/arxiv/${id}`);
    assert.equal(page.status, 503);
    assert.match(page.body, /arXiv could not be reached just now/);
    assert.ok(page.body.includes(`href="https://arxiv.org/abs/${id}"`));
    assert.match(srv.output(), new RegExp(`lookup ${id.replace('.', '\\.')} failed`));
  }
  const db = openDb(join(dir.path, 'papers.db'));
  try {
    assert.equal(db.sqlite.prepare("SELECT count(*) FROM papers WHERE id LIKE '2301.%'").pluck().get(), 0, 'no half-stored paper');
  } finally {
    db.sqlite.close();
  }
  assert.doesNotMatch(srv.output(), /internal error|Unhandled/);
});

/** Ids of the paper cards, in page order. */
function cardIds(html: string): string[] {
  return [...html.matchAll(/<article class="paper" id="[^"]*" data-id="([^"]+)"/g)].map((m) => m[1]);
}

test('a multi-paper page: three papers in the order given, one fetched on demand, one unknown; JSON twin; bad lists are 400s', async () => {
  const list = '2604.90012,quant-ph/0201082,2604.90011,2501.00002';
  const first = await get(`/arxiv/${list}`);
  assert.equal(first.status, 202);
  assert.deepEqual(cardIds(first.body), ['2604.90012', '2604.90011'], 'held papers at once');
  assert.ok(first.body.includes('Fetching quant-ph/0201082 from arXiv…'));
  assert.ok(first.body.includes(`data-poll="/api/arxiv/${list}"`));
  const deadline = Date.now() + 30_000;
  let json: { status: string; papers: { id: string }[]; missing: { id: string; status: string }[] };
  let r;
  do {
    r = await get(`/api/arxiv/${list}`);
    json = JSON.parse(r.body);
    if (r.status !== 202) break;
    await new Promise((ok) => setTimeout(ok, 100));
  } while (Date.now() < deadline);
  assert.equal(r.status, 200);
  assert.deepEqual(json.papers.map((p) => p.id), ['2604.90012', 'quant-ph/0201082', '2604.90011']);
  assert.deepEqual(json.missing.map((m) => [m.id, m.status]), [['2501.00002', 'not-found']]);
  const done = await get(`/arxiv/${list}`);
  assert.equal(done.status, 200);
  assert.deepEqual(cardIds(done.body), ['2604.90012', 'quant-ph/0201082', '2604.90011'], 'order kept');
  assert.match(done.body, /class="star"|data-star/, 'stars like a listing');
  assert.match(done.body, /class="math( math-display)? notranslate"|math-pending/, 'math typeset like a listing');
  assert.match(done.body, /translate-toggle/);
  assert.ok(done.body.includes('arXiv has no paper 2501.00002.'));
  // Ids as pasted: one canonical list.
  const pasted = await get('/arxiv/2604.90012,arXiv:quant-ph/0201082v1,2604.90011,2604.90012');
  assert.equal(pasted.status, 301);
  assert.equal(pasted.headers.get('location'), '/arxiv/2604.90012,quant-ph/0201082,2604.90011');
  for (const bad of ['/arxiv/2604.90012,2613.00001', '/api/arxiv/2604.90012,nope', `/arxiv/${Array.from({ length: 101 }, (_, i) => `2604.${String(i).padStart(5, '0')}`).join(',')}`]) {
    const b = await get(bad);
    assert.equal(b.status, 400, bad.slice(0, 60));
  }
  assert.equal((await get('/arxiv/cs.LG,cs.CL')).status, 200, 'category unions keep their address');
});
