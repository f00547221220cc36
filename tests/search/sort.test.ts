// Sorting search results by date, against real servers (one per engine) over
// the sample corpus: the API, the page's switch, lazy chunks and the feed;
// and the bound on a listing's keyword ranking.
// Date order must be non-increasing in each paper's sort date and hold
// exactly the papers relevance order holds (the best DATE_SORT_MAX of them
// when a query matches more).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openDb, type Db } from '../../db/client.ts';
import { sortDateOf } from '../../db/paper.ts';
import { importFile } from '../../scripts/import.ts';
import { DATE_SORT_MAX } from '../../search/sort.ts';
import { allInSelection, newestIds, categoryMatcher } from '../../db/listings.ts';
import { KEYWORD_RANK_MAX } from '../../server/routes/listing.tsx';
import { CORPUS, startServer, tempDir, type RunningServer } from '../helpers.ts';

type Engine = 'minisearch' | 'fts5';
let dir: ReturnType<typeof tempDir>;
let db: Db;
const servers = {} as Record<Engine, RunningServer>;

before(async () => {
  dir = tempDir('search-sort-');
  db = openDb(join(dir.path, 'papers.db'));
  await importFile(db, CORPUS, {});
  servers.fts5 = await startServer({ DATA_DIR: dir.path, SEARCH_ENGINE: 'fts5' }, 120_000);
  servers.minisearch = await startServer({ DATA_DIR: dir.path, SEARCH_ENGINE: 'minisearch' }, 300_000);
});

after(async () => {
  await Promise.all(Object.values(servers).map((s) => s?.stop()));
  db?.sqlite.close();
  dir?.cleanup();
});

interface Result {
  id: string;
  published: string | null;
}
interface Body {
  sort?: string;
  total: number;
  matches?: number;
  note?: string;
  results: Result[];
  error?: string;
}

async function api(engine: Engine, q: string, extra: string): Promise<{ status: number; body: Body }> {
  const res = await fetch(`${servers[engine].url}/api/search?q=${encodeURIComponent(q)}${extra}`);
  return { status: res.status, body: (await res.json()) as Body };
}

/** Every result of a query in one order, page by page (100 a page). */
async function everything(engine: Engine, q: string, sort: 'relevance' | 'date'): Promise<{ ids: string[]; dates: string[]; last: Body }> {
  const ids: string[] = [];
  const dates: string[] = [];
  for (let page = 1; ; page++) {
    const { status, body } = await api(engine, q, `&sort=${sort}&size=100&page=${page}`);
    assert.equal(status, 200, `${q} ${sort} page ${page}: ${body.error}`);
    assert.equal(body.sort, sort);
    for (const r of body.results) {
      ids.push(r.id);
      dates.push(sortDateOf(r));
    }
    if (body.results.length < 100 || ids.length >= body.total) return { ids, dates, last: body };
  }
}

function assertNonIncreasing(dates: readonly string[], ids: readonly string[], what: string): void {
  for (let i = 1; i < dates.length; i++) {
    assert.ok(dates[i - 1] >= dates[i], `${what}: ${ids[i - 1]} (${dates[i - 1]}) before ${ids[i]} (${dates[i]})`);
  }
}

for (const engine of ['minisearch', 'fts5'] as const) {
  test(`${engine}: sort=date holds the relevance set, newest first`, async () => {
    let compared = 0;
    for (const q of ['graph neural network', 'quantum', 'diffusion -image', 'cat:cs.CL language model', 'au:"Yann LeCun"', 'galaxy cluster']) {
      const rel = await everything(engine, q, 'relevance');
      const byDate = await everything(engine, q, 'date');
      if (rel.last.total > DATE_SORT_MAX) continue;
      assert.equal(byDate.last.total, rel.last.total, q);
      assert.equal(byDate.ids.length, rel.ids.length, q);
      assert.deepEqual([...byDate.ids].sort(), [...rel.ids].sort(), `${q}: the same papers`);
      assertNonIncreasing(byDate.dates, byDate.ids, q);
      if (rel.ids.length > 5) {
        // The orders really differ: relevance is not already date order.
        assert.notDeepEqual(byDate.ids, rel.ids, `${q}: date order differs from relevance order`);
        compared++;
      }
    }
    assert.ok(compared >= 3, `only ${compared} queries had enough results to compare`);
  });

  test(`${engine}: a query with more than ${DATE_SORT_MAX} matches orders its best ${DATE_SORT_MAX} and says so`, async () => {
    const q = 'model';
    const rel = await api(engine, q, `&size=1`);
    assert.ok(rel.body.total > DATE_SORT_MAX, `"${q}" matches ${rel.body.total}; the sample needs a query with more than ${DATE_SORT_MAX}`);
    const best = new Set<string>();
    for (let page = 1; page <= DATE_SORT_MAX / 100; page++) {
      for (const r of (await api(engine, q, `&size=100&page=${page}`)).body.results) best.add(r.id);
    }
    const byDate = await everything(engine, q, 'date');
    assert.equal(byDate.last.total, DATE_SORT_MAX);
    assert.equal(byDate.last.matches, rel.body.total);
    assert.match(byDate.last.note ?? '', new RegExp(`newest first among the ${DATE_SORT_MAX} best of ${rel.body.total}`));
    assert.equal(byDate.ids.length, DATE_SORT_MAX);
    assert.deepEqual(new Set(byDate.ids), best);
    assertNonIncreasing(byDate.dates, byDate.ids, q);
  });

  test(`${engine}: a bad sort is a 400 that says what is allowed`, async () => {
    const r = await api(engine, 'quantum', '&sort=oldest');
    assert.equal(r.status, 400);
    assert.match(r.body.error ?? '', /sort must be one of relevance, date/);
    const page = await fetch(`${servers[engine].url}/arxiv/search?query=quantum&sort=%3Cscript%3E`);
    assert.equal(page.status, 400);
    const html = await page.text();
    assert.match(html, /Sort must be one of: relevance, date/);
    assert.doesNotMatch(html, /<script>/);
  });

  test(`${engine}: the page, its lazy chunks, its JSON twin and its feed follow sort=date`, async () => {
    const base = servers[engine].url;
    const q = 'neural network';
    const want = (await everything(engine, q, 'date')).ids;
    assert.ok(want.length > 25, `"${q}" needs more than one chunk`);

    const html = await (await fetch(`${base}/arxiv/search?query=${encodeURIComponent(q)}&sort=date`)).text();
    assert.match(html, /newest first · showing 1–25/);
    assert.match(html, /<strong aria-current="true">newest first<\/strong>/);
    assert.match(html, /href="\/arxiv\/search\?query=neural\+network"[^>]*>best match</);
    const idsIn = (h: string) => [...h.matchAll(/<article class="paper" id="[^"]*" data-id="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(idsIn(html), want.slice(0, 25));
    const lazy = /data-lazy-next="([^"]+)"/.exec(html)?.[1].replaceAll('&amp;', '&');
    assert.ok(lazy?.includes('sort=date'), lazy);
    const chunk = await (await fetch(base + lazy)).text();
    assert.deepEqual(idsIn(chunk), want.slice(25, 50));

    const relHtml = await (await fetch(`${base}/arxiv/search?query=${encodeURIComponent(q)}`)).text();
    assert.match(relHtml, /<strong aria-current="true">best match<\/strong>/);
    assert.notDeepEqual(idsIn(relHtml), want.slice(0, 25));

    const twin = (await (await fetch(`${base}/api/arxiv/search?query=${encodeURIComponent(q)}&sort=date`)).json()) as {
      sort: string;
      papers: { id: string }[];
      next: string;
    };
    assert.equal(twin.sort, 'date');
    assert.deepEqual(
      twin.papers.map((p) => p.id),
      want.slice(0, 25),
    );
    assert.match(twin.next, /sort=date/);

    const feed = await (await fetch(`${base}/arxiv/search/feed?query=${encodeURIComponent(q)}&sort=date`)).text();
    const feedIds = [...feed.matchAll(/<id>[^<]*\/arxiv\/([0-9.]+|[a-z-]+(?:\.[A-Z]{2})?\/\d{7})<\/id>/g)].map((m) => m[1]);
    assert.deepEqual(feedIds, want.slice(0, Math.min(50, want.length)));
    assert.match(feed, /newest first/);
  });
}

for (const engine of ['minisearch', 'fts5'] as const) {
  test(`${engine}: keyword ranking of a long listing scores only its newest ${KEYWORD_RANK_MAX} papers and says so`, async () => {
    const all = allInSelection(db, categoryMatcher(db).parse('cs')!);
    assert.ok(all.length > KEYWORD_RANK_MAX, `the sample's cs archive holds ${all.length} papers`);
    const newest = new Set(all.slice(0, KEYWORD_RANK_MAX));
    // The newest papers come from each category's index, merged: the same as the head of the whole list, with and without exclusions.
    for (const spec of ['cs', 'cs-cs.LG', 'cs.CL,math', 'cs.LG']) {
      const sel = categoryMatcher(db).parse(spec)!;
      assert.deepEqual(newestIds(db, sel, KEYWORD_RANK_MAX), allInSelection(db, sel).slice(0, KEYWORD_RANK_MAX), spec);
      assert.deepEqual(newestIds(db, sel, 50, '2024-06-30'), allInSelection(db, sel, '2024-06-30').slice(0, 50), `${spec} before a date`);
    }
    const get = async (path: string) => (await (await fetch(servers[engine].url + path)).json()) as {
      total: number;
      note: string | null;
      rankedByKeywords: boolean;
      highlightTerms: string[];
      papers: { id: string }[];
    };
    const first = await get('/api/arxiv/cs?sort=keywords&kw=learning');
    assert.equal(first.rankedByKeywords, true);
    assert.deepEqual(first.highlightTerms, ['learning']);
    assert.equal(first.total, KEYWORD_RANK_MAX);
    assert.match(first.note ?? '', new RegExp(`of the newest ${KEYWORD_RANK_MAX} papers \\(keyword ranking looks at no more\\) match your keywords`));
    const last = await get(`/api/arxiv/cs?sort=keywords&kw=learning&offset=${KEYWORD_RANK_MAX - 25}`);
    for (const p of [...first.papers, ...last.papers]) assert.ok(newest.has(p.id), `${p.id} is among the newest ${KEYWORD_RANK_MAX}`);
    assert.equal(last.papers.length, 25);

    // A short listing is ranked whole, without the cut's words.
    const short = await get('/api/arxiv/cs.CL-cs.LG-cs.AI?sort=keywords&kw=translation');
    assert.ok(short.total < KEYWORD_RANK_MAX && short.total > 0, String(short.total));
    assert.match(short.note ?? '', new RegExp(`of ${short.total} papers match your keywords`));
    // The page says it too.
    const html = await (await fetch(`${servers[engine].url}/arxiv/cs?sort=keywords&kw=learning`)).text();
    assert.match(html, /ranked by your keywords/);
    assert.match(html, new RegExp(`the newest ${KEYWORD_RANK_MAX} papers`));
    assert.match(html, /<mark>[Ll]earning<\/mark>/);
  });
}
