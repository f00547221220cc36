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
