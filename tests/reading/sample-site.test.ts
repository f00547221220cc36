// The reading site over the bundled sample, as a first start serves it: the
// whole db/sample imported through the real importer into a real SQLite
// file, the real app on 127.0.0.1. Issue 13's dates, web basics and taxonomy.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { XMLParser } from 'fast-xml-parser';
import { CORPUS, tempDir } from '../helpers.ts';
import { openDb, type Db } from '../../db/client.ts';
import { importFile } from '../../scripts/import.ts';
import { startPagesServer, type PagesServer } from '../pages/server.ts';
import { paperDate } from '../../db/paper.ts';
import { bibtex, citationMeta } from '../../server/views/cite.ts';
import { getPaper } from '../../db/queries.ts';
import { request as httpRequest } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { createApp } from '../../server/app.ts';
import { allCategories, canonicalCategory, categoryLabel, groupName } from '../../db/taxonomy.ts';
import { CategoryMatcher } from '../../db/category-matcher.ts';

let dir: ReturnType<typeof tempDir>;
let db: Db;
let srv: PagesServer;

before(async () => {
  dir = tempDir();
  db = openDb(`${dir.path}/papers.db`);
  await importFile(db, CORPUS);
  srv = await startPagesServer(db);
});

after(async () => {
  await srv.close();
  db.sqlite.close();
  dir.cleanup();
});

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(srv.url + path, { redirect: 'manual', headers });
  return { status: res.status, body: await res.text(), headers: res.headers };
}

/** Categories the sample holds, busiest first. */
function busiest(n: number): string[] {
  return db.sqlite
    .prepare('SELECT category FROM paper_categories GROUP BY category ORDER BY count(*) DESC LIMIT ?')
    .pluck()
    .all(n) as string[];
}

test('paperDate: first version, else the id month, else the ingest day; never before arXiv', () => {
  const base = { id: '1501.00001', published: '2015-01-05', seenAt: Date.UTC(2026, 0, 2) };
  assert.deepEqual(paperDate(base), { date: '2015-01-05', precision: 'day', iso: '2015-01-05T00:00:00Z' });
  assert.deepEqual(paperDate({ ...base, published: null }), { date: '2015-01', precision: 'month', iso: '2015-01-01T00:00:00Z' });
  assert.equal(paperDate({ ...base, id: 'hep-th/9901001', published: null }).date, '1999-01');
  // A stray epoch date from a source is not believed.
  assert.equal(paperDate({ ...base, published: '1970-01-01' }).precision, 'month');
  assert.deepEqual(paperDate({ id: 'not-an-id', published: null, seenAt: Date.UTC(2026, 0, 2, 15) }).date, '2026-01-02');
  assert.equal(paperDate({ id: 'not-an-id', published: null, seenAt: 0 }, Date.UTC(2026, 5, 1)).date, '2026-06-01');
});

test('every feed entry date parses and none is before 1991', async () => {
  const undated = db.sqlite.prepare('SELECT count(*) FROM papers WHERE published IS NULL').pluck().get() as number;
  assert.ok(undated > 0, 'the sample holds papers without a recorded date');
  const parser = new XMLParser({ ignoreAttributes: false });
  let checked = 0;
  let fromId = 0;
  for (const cat of busiest(8)) {
    const r = await get(`/arxiv/${cat}/feed`);
    assert.equal(r.status, 200, cat);
    const feed = (parser.parse(r.body) as { feed: { updated: string; entry: { id: string; updated: string; published: string }[] } }).feed;
    const entries = Array.isArray(feed.entry) ? feed.entry : [feed.entry];
    assert.ok(entries.length > 0, cat);
    for (const e of [feed, ...entries]) {
      for (const d of [e.updated, ...('published' in e ? [e.published] : [])]) {
        const t = Date.parse(d);
        assert.ok(Number.isFinite(t), `${cat}: ${d} parses`);
        assert.ok(t >= Date.UTC(1991, 0, 1), `${cat}: ${d} is not before 1991`);
      }
    }
    for (const e of entries) {
      const p = getPaper(db, e.id.replace(/^.*\/arxiv\//, ''))!;
      assert.ok(p, e.id);
      if (!p.published) {
        fromId++;
        assert.equal(e.published.slice(0, 7), paperDate(p).date, `${p.id} dated by its id's month`);
      }
      checked++;
    }
  }
  assert.ok(checked >= 100, `${checked} entries checked`);
  assert.ok(fromId > 0, 'some entries were dated from their id');
});

test('cards, paper pages, BibTeX and citation meta show the same true date', async () => {
  const p = getPaper(db, db.sqlite.prepare('SELECT id FROM papers WHERE published IS NULL LIMIT 1').pluck().get() as string)!;
  const d = paperDate(p);
  assert.equal(d.precision, 'month');
  const page = await get(`/arxiv/${p.id}`);
  assert.equal(page.status, 200);
  assert.match(page.body, new RegExp(`<time datetime="${d.date}"`));
  assert.match(page.body, new RegExp(`<meta name="citation_date" content="${d.date.replace('-', '/')}"`));
  assert.match(bibtex(p), new RegExp(`year = \\{${d.date.slice(0, 4)}\\}`));
  assert.ok(citationMeta(p).some(([k, v]) => k === 'citation_date' && v === d.date.replace('-', '/')));
  const cat = p.categories[0];
  const listing = await get(`/api/arxiv/${cat}`);
  const j = JSON.parse(listing.body) as { papers: { id: string; date: { date: string } }[] };
  assert.ok(j.papers.length > 0);
  const html = await get(`/arxiv/${cat}`);
  for (const card of j.papers) assert.ok(html.body.includes(`<time datetime="${card.date.date}"`), `card ${card.id} shows its date`);
});

/** A request over raw HTTP (fetch would decode the body and refuses to send a Host header of our choice). */
function raw(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const u = new URL(srv.url + path);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, path: u.pathname + u.search, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
    });
    req.on('error', reject);
    req.end();
  });
}

function decoded(r: { headers: Record<string, string | string[] | undefined>; body: Buffer }): Buffer {
  const enc = r.headers['content-encoding'];
  if (enc === 'br') return brotliDecompressSync(r.body);
  if (enc === 'gzip') return gunzipSync(r.body);
  assert.equal(enc, undefined);
  return r.body;
}

/** One page of each kind, plus the assets they load. */
function pageKinds(): string[] {
  const [cat] = busiest(1);
  const id = db.sqlite.prepare('SELECT id FROM papers ORDER BY id DESC LIMIT 1').pluck().get() as string;
  return ['/', `/arxiv/${cat}`, `/arxiv/${id}`, `/arxiv/${id}`, `/arxiv/${cat}/feed`, `/api/arxiv/${cat}`, '/arxiv/search?query=learning', '/math/mathjax.css', '/static/site.js', '/static/site.css', '/demos'];
}

/**
 * The page once its formulas are typeset: a first render leaves the ones over
 * its time budget as TeX (typeset in the background), so bytes change until then.
 */
async function settled(path: string): Promise<Buffer> {
  let last = (await raw(path, { 'accept-encoding': 'identity' })).body;
  for (let i = 0; i < 60; i++) {
    const next = (await raw(path, { 'accept-encoding': 'identity' })).body;
    if (next.equals(last) && !next.includes('class="math math-pending')) return next;
    last = next;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`${path} did not settle`);
}

test('compressed responses decode to the bytes sent uncompressed; big ones shrink', async () => {
  for (const path of pageKinds()) {
    await settled(path);
    const plain = await raw(path, { 'accept-encoding': 'identity' });
    assert.equal(plain.status, 200, path);
    assert.equal(plain.headers['content-encoding'], undefined, path);
    for (const enc of ['br', 'gzip']) {
      const r = await raw(path, { 'accept-encoding': enc === 'br' ? 'gzip, deflate, br' : 'gzip' });
      assert.equal(r.status, 200, path);
      assert.equal(r.headers['content-encoding'], enc, `${path} ${enc}`);
      assert.match(String(r.headers.vary), /Accept-Encoding/i, path);
      assert.ok(decoded(r).equals(plain.body), `${path}: ${enc} decodes to the same bytes`);
      assert.ok(r.body.length < plain.body.length / 2, `${path}: ${enc} ${r.body.length} of ${plain.body.length} bytes`);
    }
  }
});

test('ETag on pages, feeds, API and assets; the same ETag back gives 304; Cache-Control everywhere', async () => {
  for (const path of pageKinds()) {
    await settled(path);
    for (const ae of ['identity', 'br']) {
      const first = await raw(path, { 'accept-encoding': ae });
      const tag = first.headers.etag as string;
      assert.match(tag ?? '', /^(W\/)?"[^"]+"$/, `${path} has an ETag`);
      assert.match(String(first.headers['cache-control']), /max-age=\d+/, `${path} Cache-Control`);
      const again = await raw(path, { 'accept-encoding': ae, 'if-none-match': tag });
      assert.equal(again.status, 304, `${path} (${ae}) revalidates`);
      assert.equal(again.body.length, 0);
      assert.equal(again.headers.etag, tag);
      const other = await raw(path, { 'accept-encoding': ae, 'if-none-match': '"something-else"' });
      assert.equal(other.status, 200, path);
    }
    // A representation's ETag is its own: the brotli bytes do not revalidate the plain ones.
    const br = await raw(path, { 'accept-encoding': 'br' });
    const plainAgain = await raw(path, { 'accept-encoding': 'identity', 'if-none-match': br.headers.etag as string });
    assert.equal(plainAgain.status, 200, path);
  }
  assert.equal((await raw('/healthz')).headers['cache-control'], 'no-store');
});

test('absolute URLs never come from the Host header', async () => {
  const [cat] = busiest(1);
  const id = db.sqlite.prepare('SELECT id FROM papers LIMIT 1').pluck().get() as string;
  for (const path of [`/arxiv/${cat}/feed`, '/arxiv/search/feed?query=learning', `/arxiv/${id}`, '/opensearch.xml']) {
    const r = await raw(path, { host: 'evil.example', 'accept-encoding': 'identity' });
    assert.equal(r.status, 200, path);
    const text = r.body.toString('utf8');
    assert.ok(!text.includes('evil.example'), `${path} does not echo the Host header`);
    assert.ok(text.includes(srv.url), `${path} uses the listening address ${srv.url}`);
  }
  // With PUBLIC_ORIGIN, that and nothing else.
  const app = createApp({ db, publicOrigin: 'https://papers.example.org' });
  const feed = await (await app.request(`/arxiv/${cat}/feed`, { headers: { host: 'evil.example' } })).text();
  assert.match(feed, /<link rel="self" type="application\/atom\+xml" href="https:\/\/papers\.example\.org\/arxiv\/[^"]+\/feed"\/>/);
  assert.ok(!feed.includes('evil.example'));
  const os = await (await app.request('/opensearch.xml', { headers: { host: 'evil.example' } })).text();
  assert.match(os, /template="https:\/\/papers\.example\.org\/arxiv\/search\?query=\{searchTerms\}"/);
  const paper = await (await app.request(`/arxiv/${id}`, { headers: { host: 'evil.example' } })).text();
  assert.ok(paper.includes(`<link rel="canonical" href="https://papers.example.org/arxiv/${id}"`));
});

test('robots.txt, a favicon of our own and an OpenSearch description linked from every page', async () => {
  const robots = await get('/robots.txt');
  assert.equal(robots.status, 200);
  assert.match(robots.body, /^User-agent: \*$/m);
  assert.match(robots.body, /^Disallow: \/api\/$/m);
  const ico = await raw('/favicon.ico');
  assert.equal(ico.status, 200);
  assert.equal(ico.headers['content-type'], 'image/x-icon');
  // ICONDIR: reserved 0, type 1 (icon), one image of 16×16, its bytes where the directory says.
  assert.deepEqual([ico.body.readUInt16LE(0), ico.body.readUInt16LE(2), ico.body.readUInt16LE(4), ico.body[6], ico.body[7]], [0, 1, 1, 16, 16]);
  assert.equal(ico.body.readUInt32LE(18) + ico.body.readUInt32LE(14), ico.body.length);
  const svg = await get('/favicon.svg');
  assert.match(svg.body, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  const os = await get('/opensearch.xml');
  const parsed = new XMLParser({ ignoreAttributes: false }).parse(os.body) as { OpenSearchDescription: { ShortName: string; Url: { '@_template': string }[] } };
  assert.ok(parsed.OpenSearchDescription.ShortName);
  assert.ok(parsed.OpenSearchDescription.Url.some((u) => u['@_template'] === `${srv.url}/arxiv/search?query={searchTerms}`));
  for (const path of pageKinds().filter((p) => !/feed|api|static|math/.test(p))) {
    const page = await get(path);
    assert.match(page.body, /<link rel="search" type="application\/opensearchdescription\+xml" title="[^"]+" href="\/opensearch.xml"\/?>/, path);
    assert.match(page.body, /<link rel="icon" href="\/favicon.svg"/, path);
  }
});

/** Every id a listing API walks through, page by page. */
async function allListed(spec: string): Promise<{ total: number; ids: string[] }> {
  const ids: string[] = [];
  let url: string | null = `/api/arxiv/${spec}`;
  let total = 0;
  while (url) {
    const r = await get(url);
    assert.equal(r.status, 200, url);
    const j = JSON.parse(r.body) as { total: number; next: string | null; papers: { id: string }[] };
    total = j.total;
    ids.push(...j.papers.map((p) => p.id));
    url = j.next;
  }
  return { total, ids };
}

/** Paper ids filed under any of the given stored category ids, straight from SQL. */
function filedUnder(...cats: string[]): Set<string> {
  return new Set(
    db.sqlite
      .prepare(`SELECT DISTINCT paper_id FROM paper_categories WHERE category IN (${cats.map(() => '?').join(',')})`)
      .pluck()
      .all(...cats) as string[],
  );
}

test('taxonomy: names and groups for every current category; aliases merged and retired archives folded as arXiv does', () => {
  for (const c of allCategories()) {
    if (!c.active) continue;
    assert.ok(c.name && c.name !== c.id, `${c.id} has a name`);
    assert.notEqual(groupName(c.group), 'Other', `${c.id} is in a group`);
  }
  assert.equal(categoryLabel('cs.LG'), 'cs.LG — Machine Learning');
  const pairs: [string, string][] = [['cs.NA', 'math.NA'], ['cs.SY', 'eess.SY'], ['math.IT', 'cs.IT'], ['math.MP', 'math-ph'], ['q-fin.EC', 'econ.GN'], ['stat.TH', 'math.ST']];
  for (const [a, b] of pairs) assert.equal(canonicalCategory(a), canonicalCategory(b), `${a} ≡ ${b}`);
  assert.equal(canonicalCategory('funct-an'), 'math.FA');
  assert.equal(canonicalCategory('acc-phys'), 'physics.acc-ph');
  const m = new CategoryMatcher();
  assert.deepEqual(m.parse('cs.AI+cs.LG-cs.CY'), { include: ['cs.AI', 'cs.LG'], exclude: ['cs.CY'] });
  assert.deepEqual(m.parse('cs.AI,cs.LG-cs.CY'), { include: ['cs.AI', 'cs.LG'], exclude: ['cs.CY'] });
  assert.deepEqual(m.parse('hep-th-cond-mat.mtrl-sci+cs.NA'), { include: ['hep-th', 'math.NA'], exclude: ['cond-mat.mtrl-sci'] });
  assert.equal(m.parse('xx.YY'), null);
  assert.equal(m.parse('cs.LG+'), null);
  assert.equal(m.parse('-cs.LG'), null);
});

test('known category: 200 even when empty (and says so); unknown: 404', async () => {
  const dl = await get('/arxiv/cs.DL');
  assert.equal(dl.status, 200);
  assert.match(dl.body, /cs\.DL — Digital Libraries/);
  if (!filedUnder('cs.DL').size) assert.match(dl.body, /No papers in this category yet/);
  assert.equal((await get('/api/arxiv/cs.DL')).status, 200);
  assert.equal((await get('/arxiv/cs.DL/feed')).status, 200);
  for (const path of ['/arxiv/xx.YY', '/api/arxiv/xx.YY', '/arxiv/xx.YY/feed', '/arxiv/cs.LG+xx.YY', '/arxiv/cs.LG-xx.YY']) {
    assert.equal((await get(path)).status, 404, path);
  }
});

test('cs.AI+cs.LG-cs.CY lists the union minus the exclusion, like cs.AI,cs.LG-cs.CY', async () => {
  const want = filedUnder('cs.AI', 'cs.LG');
  for (const id of filedUnder('cs.CY')) want.delete(id);
  assert.ok(want.size > 100);
  for (const spec of ['cs.AI+cs.LG-cs.CY', 'cs.AI,cs.LG-cs.CY']) {
    const got = await allListed(spec);
    assert.equal(got.total, want.size, spec);
    assert.deepEqual(new Set(got.ids), want, spec);
    assert.equal(got.ids.length, want.size, `${spec}: each paper once`);
  }
});

test('an alias and its category list the same papers; a retired archive lists under its successor', async () => {
  const na = await allListed('cs.NA');
  const mathNa = await allListed('math.NA');
  assert.deepEqual(new Set(na.ids), filedUnder('cs.NA', 'math.NA'));
  assert.deepEqual(na.ids, mathNa.ids);
  const fa = new Set((await allListed('math.FA')).ids);
  const retired = filedUnder('funct-an');
  assert.ok(retired.size > 0, 'the sample holds a funct-an paper');
  for (const id of retired) assert.ok(fa.has(id), `${id} (funct-an) is listed under math.FA`);
  const home = await get('/');
  // The retired archive has no row of its own; its paper counts under math.FA.
  assert.doesNotMatch(home.body, /name="funct-an"/);
  const math = new Set((await allListed('math')).ids);
  for (const id of retired) assert.ok(math.has(id), `${id} is in the math archive`);
  // Search folds them the same way.
  const a = JSON.parse((await get('/api/search?q=cat:cs.NA')).body) as { total: number };
  const b = JSON.parse((await get('/api/search?q=cat:math.NA')).body) as { total: number };
  assert.equal(a.total, filedUnder('cs.NA', 'math.NA').size);
  assert.equal(a.total, b.total);
});

test('category names on the home page, listing headings, paper pages and feeds; the picker has no drop-downs', async () => {
  const home = await get('/');
  assert.doesNotMatch(home.body, /<select/);
  for (const text of ['Computer Science', 'Mathematics', 'Physics', 'Machine Learning', 'Numerical Analysis', 'data-pick-filter']) {
    assert.ok(home.body.includes(text), `home shows ${text}`);
  }
  const boxes = [...home.body.matchAll(/<input type="checkbox" id="[^"]+" name="([^"]+)"/g)].map((m) => m[1]);
  assert.ok(boxes.length >= 150, `${boxes.length} categories to pick`);
  assert.equal(new Set(boxes).size, boxes.length);
  assert.ok(!boxes.includes('cs.NA') && boxes.includes('math.NA'), 'one row per merged pair');
  assert.match((await get('/arxiv/cs.LG')).body, /<h1>cs\.LG — Machine Learning<\/h1>/);
  const id = [...filedUnder('cs.LG')][0];
  assert.match((await get(`/arxiv/${id}`)).body, />cs\.LG — Machine Learning</);
  assert.match((await get('/arxiv/cs.LG/feed')).body, /<category term="cs\.LG" label="Machine Learning"\/>/);
  const redirect = await fetch(`${srv.url}/arxiv?cs.AI=in&cs.LG=in&cs.CY=out`, { redirect: 'manual' });
  assert.equal(redirect.status, 302);
  assert.equal(new URL(redirect.headers.get('location')!, srv.url).pathname, '/arxiv/cs.AI,cs.LG-cs.CY');
});
