// The crawls end to end: fixture server on 127.0.0.1 -> crawler -> SQLite file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getCrawlState, getPaper, countPapers } from '../../db/queries.ts';
import { crawlApiCategory, crawlRss, fetchIds, harvestOai, type OaiResume } from '../../scripts/crawler/crawls.ts';
import { ArxivProtocolError } from '../../scripts/crawler/errors.ts';
import { atomFixtureIds, count, fixtureText, harness, oaiFixtureIds } from './harness.ts';

test('OAI-PMH: a multi-page harvest stores exactly the records of the fixture', async () => {
  const h = await harness({ oaiPageSize: 300 });
  try {
    const s = await harvestOai(h.ctx, { set: 'physics:hep-th', from: '2016-01-01' });
    const ids = oaiFixtureIds();
    assert.equal(s.pages, 4);
    assert.equal(s.records, 1000);
    assert.equal(s.added, 1000);
    assert.equal(countPapers(h.db), ids.length);
    assert.equal(count(h.db, 'SELECT count(DISTINCT id) FROM papers'), 1000);
    // Page 2+ are asked for by token alone; the first request carries the window.
    const oai = h.server.requests.filter((r) => r.path === '/oai');
    assert.deepEqual(oai[0].params, { verb: 'ListRecords', metadataPrefix: 'arXiv', set: 'physics:hep-th', from: '2016-01-01' });
    assert.deepEqual(oai.slice(1).map((r) => r.params.resumptionToken), ['hepth|300', 'hepth|600', 'hepth|900']);
    const state = getCrawlState(h.db, 'oai', 'physics:hep-th')!;
    const resume = state.resume as OaiResume;
    assert.equal(resume.token, null, 'a finished harvest clears its token');
    assert.equal(resume.cursor, 1000);
    assert.equal(resume.startedOn, '2017-03-25');
    assert.ok(state.lastSuccess);
    const p = getPaper(h.db, '0704.0449')!;
    assert.equal(p.title, 'Worldsheet Instantons and Torsion Curves, Part B: Mirror Symmetry');
    assert.equal(count(h.db, "SELECT count(*) FROM paper_categories WHERE category = 'hep-th'"), count(h.db, "SELECT count(*) FROM papers WHERE categories LIKE '%\"hep-th\"%'"));
    assert.ok(h.server.requests.every((r) => r.userAgent === 'papers-crawler-test/1.0'));

    // Harvesting again changes nothing and duplicates nothing.
    const again = await harvestOai(h.ctx, { set: 'physics:hep-th', from: '2016-01-01', restart: true });
    assert.deepEqual([again.added, again.updated, again.unchanged], [0, 0, 1000]);
    assert.equal(countPapers(h.db), 1000);
  } finally {
    await h.close();
  }
});

test('OAI-PMH: noRecordsMatch is an empty success', async () => {
  const h = await harness();
  try {
    const s = await harvestOai(h.ctx, { set: 'physics:hep-th', from: '2026-01-01' });
    assert.equal(s.records, 0);
    assert.equal(s.note, 'no records match');
    assert.equal(countPapers(h.db), 0);
    const state = getCrawlState(h.db, 'oai', 'physics:hep-th')!;
    assert.ok(state.lastSuccess);
    assert.equal(state.lastError, null);
    // The next incremental run (no --from) asks from the same day again.
    assert.equal((state.resume as OaiResume).startedOn, '2026-01-01');
    await harvestOai(h.ctx, { set: 'physics:hep-th' });
    assert.equal(h.server.requests.at(-1)!.params.from, '2026-01-01');
  } finally {
    await h.close();
  }
});

test('OAI-PMH: a rejected resumptionToken restarts from the saved date and loses nothing', async () => {
  // The token of page 3 is refused once, as an expired token would be.
  const h = await harness({
    oaiPageSize: 250,
    faults: ({ params }) => (params.resumptionToken === 'hepth|500' && !refused++ ? { kind: 'badToken' } : null),
  });
  let refused = 0;
  try {
    const s = await harvestOai(h.ctx, { set: 'physics:hep-th', from: '2016-01-01' });
    const oai = h.server.requests.filter((r) => r.path === '/oai');
    assert.deepEqual(
      oai.map((r) => r.params.resumptionToken ?? `from=${r.params.from}`),
      ['from=2016-01-01', 'hepth|250', 'hepth|500', 'from=2016-01-01', 'hepth|250', 'hepth|500', 'hepth|750'],
    );
    assert.equal(countPapers(h.db), 1000);
    assert.equal(s.added, 1000);
    assert.ok(h.logs.some((l) => /token rejected .*restarting from 2016-01-01/.test(l)));
    assert.equal((getCrawlState(h.db, 'oai', 'physics:hep-th')!.resume as OaiResume).token, null);
  } finally {
    await h.close();
  }
});

test('API: pages through a query by start/max_results, resumes at the saved offset', async () => {
  const h = await harness();
  try {
    const first = await crawlApiCategory(h.ctx, { category: 'cs.LG', from: '2026-04-01', until: '2026-04-02', pageSize: 10, limit: 30 });
    assert.equal(first.pages, 3);
    const api = () => h.server.requests.filter((r) => r.path === '/api/query');
    assert.deepEqual(api().map((r) => r.params.start), ['0', '10', '20']);
    assert.equal(api()[0].params.search_query, 'cat:cs.LG AND submittedDate:[202604010000 TO 202604022359]');
    assert.equal(api()[0].params.sortBy, 'submittedDate');
    const second = await crawlApiCategory(h.ctx, { category: 'cs.LG', from: '2026-04-01', until: '2026-04-02', pageSize: 10, limit: 30 });
    assert.deepEqual(api().slice(3).map((r) => r.params.start), ['30', '40', '50']);
    const expected = new Set(
      [0, 10, 20, 30, 40, 50].flatMap((s) => atomFixtureIds(`api/2026/search_testing_start${s}_max10.xml`)),
    );
    assert.equal(countPapers(h.db), expected.size);
    assert.equal(first.added + second.added, expected.size);

    // Overlapping pages (one 100-record page over the six 10-record ones) add only what is new.
    const big = await crawlApiCategory(h.ctx, { category: 'cs.LG', from: '2026-04-01', until: '2026-04-02', pageSize: 100, limit: 100, restart: true });
    const hundred = new Set(atomFixtureIds('api/2026/search_testing_start0_max100.xml'));
    const fresh = [...hundred].filter((id) => !expected.has(id)).length;
    assert.equal(big.added, fresh);
    assert.equal(big.updated + big.unchanged, hundred.size - fresh);
    assert.equal(countPapers(h.db), new Set([...expected, ...hundred]).size);
  } finally {
    await h.close();
  }
});

test('API: id_list with new and old-style ids; the error entry fails without rows', async () => {
  const h = await harness();
  try {
    const s = await fetchIds(h.ctx, ['1605.08386', 'astro-ph/0601001', 'quant-ph/0201082v1', '0000.0000', '1605.08386']);
    assert.equal(s.records, 3);
    assert.equal(countPapers(h.db), 3);
    const old = getPaper(h.db, 'quant-ph/0201082')!;
    assert.equal(old.version, 1);
    assert.ok(getPaper(h.db, 'astro-ph/0601001')!.authors.includes('B. Scott Gaudi'));
    const ask = h.server.requests.at(-1)!;
    assert.equal(ask.params.id_list, '1605.08386,astro-ph/0601001,quant-ph/0201082v1,0000.0000', 'asked once per id');

    await assert.rejects(
      fetchIds(h.ctx, ['abc']),
      (e: unknown) => e instanceof ArxivProtocolError && /incorrect id format for abc/.test(e.message),
    );
    assert.equal(countPapers(h.db), 3);
    assert.match(getCrawlState(h.db, 'api', 'id_list')!.lastError ?? '', /incorrect id format for abc/);
    // An API error is an answer, not a network failure: asked once, not retried.
    assert.equal(h.server.requests.filter((r) => r.params.id_list === 'abc').length, 1);
  } finally {
    await h.close();
  }
});

/** A day's cs.LG list with all four announce types, derived from the real excerpts. */
function derivedDailyList(): string {
  const lg = fixtureText('rss/cs.LG_2026-04-27_excerpt3.xml');
  const ai = fixtureText('rss/cs.AI_2026-04-27_excerpt3.xml');
  const items = (xml: string) => xml.match(/<item>[\s\S]*?<\/item>/g)!;
  const retype = (item: string, type: string, version?: number) => {
    let out = item
      .replace(/Announce Type: new/, `Announce Type: ${type}`)
      .replace('<arxiv:announce_type>new</arxiv:announce_type>', `<arxiv:announce_type>${type}</arxiv:announce_type>`);
    if (version) out = out.replace(/(\d{4}\.\d{5})v1/g, `$1v${version}`);
    return out;
  };
  const [lg1, lg2, lg3] = items(lg);
  const [ai1] = items(ai);
  // A cs.AI paper cross-listed to cs.LG, and a replaced paper that has an API record (1605.08386).
  const cross = retype(ai1, 'cross').replace('<category>cs.AI</category>', '<category>cs.AI</category>\n      <category>cs.LG</category>');
  const replaceCross = retype(lg3, 'replace-cross', 2)
    .replaceAll('2604.21956', '1605.08386')
    .replace('<category>cs.LG</category>', '<category>math.CO</category>\n      <category>cs.LG</category>');
  const list = [lg1, cross, retype(lg2, 'replace', 2), replaceCross].join('\n    ');
  return lg.replace(/<item>[\s\S]*<\/item>/, list);
}

test('RSS: a daily list becomes announcement rows of every type, then API metadata fills the papers', async () => {
  const h = await harness({ transform: (path, body) => (path === '/rss/cs.LG' ? derivedDailyList() : body) });
  try {
    const s = await crawlRss(h.ctx, { category: 'cs.LG' });
    const rows = h.db.sqlite
      .prepare('SELECT date, category, paper_id AS id, announce_type AS type, position FROM announcements ORDER BY position')
      .all();
    assert.deepEqual(rows, [
      { date: '2026-04-27', category: 'cs.LG', id: '2604.21952', type: 'new', position: 1 },
      { date: '2026-04-27', category: 'cs.LG', id: '2604.21935', type: 'cross', position: 2 },
      { date: '2026-04-27', category: 'cs.LG', id: '2604.21953', type: 'replace', position: 3 },
      { date: '2026-04-27', category: 'cs.LG', id: '1605.08386', type: 'replace-cross', position: 4 },
    ]);
    assert.equal(s.announcements, 4);
    // Papers exist from the feed alone (no API record for the 2604 ids in the fixtures)...
    const lone = getPaper(h.db, '2604.21953')!;
    assert.equal(lone.version, 2);
    assert.deepEqual(lone.authors, ['Blessed Madukoma', 'Prasenjit Mitra']);
    assert.ok(lone.abstract.startsWith('Anti-doping programs'));
    // ...and the API record completes what the feed lacks, without downgrading v2 to the API's v1.
    const filled = getPaper(h.db, '1605.08386')!;
    assert.equal(filled.version, 2);
    assert.equal(filled.published, null, 'the v1 record is older than what we hold, so it is ignored');
    const ids = h.server.requests.find((r) => r.path === '/api/query')!.params.id_list.split(',');
    assert.deepEqual(ids.sort(), ['1605.08386', '2604.21935', '2604.21952', '2604.21953']);
    assert.equal(s.stale, 1);
    assert.deepEqual((getCrawlState(h.db, 'rss', 'cs.LG')!.resume as { lastDate: string }).lastDate, '2026-04-27');

    // The same day again: one feed request, nothing re-fetched or re-written.
    const before = h.server.requests.length;
    const again = await crawlRss(h.ctx, { category: 'cs.LG' });
    assert.equal(h.server.requests.length, before + 1);
    assert.match(again.note ?? '', /already stored/);
    assert.equal(count(h.db, 'SELECT count(*) FROM announcements'), 4);
  } finally {
    await h.close();
  }
});

test('versions: v2 replaces v1, a later v1 does not downgrade, duplicates add nothing', async () => {
  const h = await harness({
    transform: (path, body) =>
      path === '/rss/cs.LG'
        ? body.replace(/<item>[\s\S]*<\/item>/, (items) => items.match(/<item>[\s\S]*?<\/item>/)![0].replaceAll('2604.21952v1', '2104.12255v2').replaceAll('2604.21952', '2104.12255').replace(/Announce Type: new/, 'Announce Type: replace').replace('>new<', '>replace<'))
        : body,
  });
  try {
    await fetchIds(h.ctx, ['2104.12255v1']);
    const v1 = getPaper(h.db, '2104.12255')!;
    assert.equal(v1.version, 1);
    await crawlRss(h.ctx, { category: 'cs.LG' });
    const v2 = getPaper(h.db, '2104.12255')!;
    assert.equal(v2.version, 2);
    assert.equal(v2.title, 'Focus Session: Hardware and Software Techniques for Accelerating Multimodal Foundation Models');
    // Fields the feed lacks keep the API's values.
    assert.equal(v2.published, v1.published);
    const again = await fetchIds(h.ctx, ['2104.12255v1']);
    assert.equal(again.stale, 1);
    assert.equal(getPaper(h.db, '2104.12255')!.version, 2);
    assert.equal(countPapers(h.db), 1);
    assert.equal(count(h.db, "SELECT count(*) FROM announcements WHERE paper_id = '2104.12255' AND announce_type = 'replace'"), 1);
  } finally {
    await h.close();
  }
});

test('RSS: the feed rows survive an API outage, and the day is redone next run; an empty feed is a quiet success', async () => {
  let apiDown = true;
  let weekend = false;
  const h = await harness({
    faults: ({ path }) => (path === '/api/query' && apiDown ? { kind: '500' } : null),
    transform: (path, body) => (weekend && path === '/rss/cs.AI' ? body.replace(/<item>[\s\S]*<\/item>/, '') : body),
  });
  try {
    await assert.rejects(crawlRss(h.ctx, { category: 'cs.AI' }), /arXiv API id_list failed after 3 attempts: HTTP 500/);
    assert.equal(countPapers(h.db), 3, 'papers exist from the feed alone');
    assert.equal(count(h.db, 'SELECT count(*) FROM announcements'), 3);
    const failed = getCrawlState(h.db, 'rss', 'cs.AI')!;
    assert.equal(failed.resume, null, 'the day is not marked done');
    assert.match(failed.lastError ?? '', /HTTP 500/);

    apiDown = false;
    const retry = await crawlRss(h.ctx, { category: 'cs.AI' });
    assert.equal(retry.announcements, 3);
    assert.equal(retry.unchanged, 3);
    assert.equal(count(h.db, 'SELECT count(*) FROM announcements'), 3, 'no duplicate announcements');
    assert.equal(getCrawlState(h.db, 'rss', 'cs.AI')!.lastError, null);

    weekend = true;
    const empty = await crawlRss(h.ctx, { category: 'cs.AI', restart: true });
    assert.equal(empty.note, 'feed has no announcements');
    assert.deepEqual(getCrawlState(h.db, 'rss', 'cs.AI')!.resume, { lastDate: '2026-04-27' });
  } finally {
    await h.close();
  }
});
