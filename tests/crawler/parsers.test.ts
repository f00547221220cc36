// One unit test per format, on the verbatim fixtures, plus the hostile inputs
// (truncated XML, error entries, entities) the crawler must survive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAtomPage } from '../../scripts/crawler/atom.ts';
import { parseOaiPage } from '../../scripts/crawler/oai.ts';
import { parseRssFeed } from '../../scripts/crawler/rss.ts';
import { ArxivProtocolError, MalformedPageError } from '../../scripts/crawler/errors.ts';
import { fixtureText, oaiFixtureIds } from './harness.ts';

test('Atom 2026: paging numbers, primary category first, TeX and dates kept', () => {
  const page = parseAtomPage(fixtureText('api/2026/search_testing_start0_max10.xml'));
  assert.equal(page.totalResults, 214881);
  assert.equal(page.startIndex, 0);
  assert.equal(page.itemsPerPage, 10);
  assert.equal(page.papers.length, 10);
  const first = page.papers[0];
  assert.equal(first.id, '2202.12139');
  assert.equal(first.version, 1);
  assert.deepEqual(first.categories, ['cs.SE', 'cs.LG']);
  assert.equal(first.published, '2022-02-24');
  assert.equal(first.doi, '10.1109/ICSTW55395.2022.00035');
  assert.deepEqual(first.authors, ['Mohit Kumar Ahuja', 'Arnaud Gotlieb', 'Helge Spieker']);
});

test('Atom 2026: old-style id with affiliations and a decoded entity', () => {
  const [p] = parseAtomPage(fixtureText('api/2026/id_list_astro-ph-0601001_start0_max100.xml')).papers;
  assert.equal(p.id, 'astro-ph/0601001');
  assert.equal(p.version, 1);
  assert.deepEqual(p.categories, ['astro-ph']);
  assert.equal(p.journalRef, 'ActaAstron.56:1-50,2006');
  assert.equal(p.authors.length, 4);
  assert.match(p.abstract, /Gould & Morgan \(2003\)/);
  assert.match(p.abstract, /V_max<17\.5/);
  assert.match(p.abstract, /\(1\/310\)\(1\^\{\+1\.39\}_\{-0\.59\}\)/, 'TeX-ish text untouched');
  assert.ok(!p.abstract.startsWith(' '), 'whitespace normalised');
});

test('Atom 2016 (namespaces declared per element) parses the same way', () => {
  const page = parseAtomPage(fixtureText('api/legacy-2016/id_list_1111.2011v2.xml'));
  assert.equal(page.totalResults, 1);
  const [p] = page.papers;
  assert.equal(p.id, '1111.2011');
  assert.equal(p.version, 2);
  assert.equal(p.title, 'Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit');
  assert.deepEqual(p.categories, ['cond-mat.str-el', 'cond-mat.stat-mech']);
  assert.equal(p.published, '2011-11-08');
  assert.equal(p.updated, '2012-04-02');
  assert.equal(p.doi, '10.1103/PhysRevB.85.115117');
  assert.equal(p.comments, '8 pages, 3 figures. Published version');
  assert.equal(p.journalRef, 'Phys. Rev. B 85, 115117 (2012)');
  assert.ok(!/\n/.test(p.abstract));
  const search = parseAtomPage(fixtureText('api/legacy-2016/search_au_del_maestro.xml'));
  assert.equal(search.totalResults, 31);
  assert.equal(search.papers.length, 10);
});

test('Atom: the error entry is an error, an empty result is not', () => {
  assert.throws(
    () => parseAtomPage(fixtureText('api/2026/id_list_abc_start0_max100_http400.xml')),
    (e: unknown) => e instanceof ArxivProtocolError && /incorrect id format for abc/.test(e.message),
  );
  const empty = parseAtomPage(fixtureText('api/2026/id_list_0000.0000_start0_max100.xml'));
  assert.equal(empty.totalResults, 0);
  assert.deepEqual(empty.papers, []);
});

test('OAI-PMH arXiv format: 1,000 records, names, dates, token', () => {
  const page = parseOaiPage(fixtureText('oai/ListRecords_arXiv_set-physics-hep-th_from-2016-01-01.xml'));
  assert.equal(page.kind, 'records');
  if (page.kind !== 'records') return;
  assert.deepEqual(page.papers.map((p) => p.id), oaiFixtureIds());
  assert.equal(page.token, '1613321|1001');
  assert.equal(page.cursor, 0);
  assert.equal(page.completeListSize, 13871);
  assert.equal(page.responseDate, '2017-03-25');
  const p = page.papers[0];
  assert.equal(p.id, '0704.0449');
  assert.deepEqual(p.authors, ['Volker Braun', 'Maximilian Kreuzer', 'Burt A. Ovrut', 'Emanuel Scheidegger']);
  assert.equal(p.published, '2007-04-03');
  assert.equal(p.journalRef, 'JHEP0710:023,2007');
  assert.equal(p.doi, '10.1088/1126-6708/2007/10/023');
  assert.equal(p.version, null);
  const withLicense = page.papers.find((x) => x.id === '1502.00086')!;
  assert.equal(withLicense.license, 'http://arxiv.org/licenses/nonexclusive-distrib/1.0/');
  assert.deepEqual(withLicense.categories, ['hep-ph', 'hep-lat', 'hep-th']);
  assert.match(withLicense.abstract, /order \$\\alpha\^\{35\}\$ and \$\\alpha\^\{20\}\$/);
  // Numeric character references decode (&#x107; is ć).
  assert.ok(page.papers.some((x) => x.authors.some((a) => a.includes('ć'))));
  assert.ok(!JSON.stringify(page.papers).includes('&#x'));
});

test('OAI-PMH error responses come back as codes', () => {
  for (const code of ['noRecordsMatch', 'badResumptionToken', 'badArgument', 'badVerb', 'idDoesNotExist']) {
    const page = parseOaiPage(fixtureText(`oai/error_${code}.xml`));
    assert.equal(page.kind, 'error');
    if (page.kind === 'error') assert.equal(page.code, code);
  }
});

test('OAI-PMH: an empty resumptionToken ends the list', () => {
  const xml = fixtureText('oai/ListRecords_arXiv_set-physics-hep-th_from-2016-01-01.xml').replace(
    /<resumptionToken[^>]*>[^<]*<\/resumptionToken>/,
    '<resumptionToken cursor="13000" completeListSize="13871"/>',
  );
  const page = parseOaiPage(xml);
  assert.ok(page.kind === 'records' && page.token === null && page.cursor === 13000);
});

test('RSS: announcement day, order, type, id and version, feed fields', () => {
  const feed = parseRssFeed(fixtureText('rss/cs.LG_2026-04-27_excerpt3.xml'));
  assert.equal(feed.date, '2026-04-27');
  assert.deepEqual(feed.items.map((i) => [i.paper.id, i.paper.version, i.announceType, i.position]), [
    ['2604.21952', 1, 'new', 1],
    ['2604.21953', 1, 'new', 2],
    ['2604.21956', 1, 'new', 3],
  ]);
  const first = feed.items[0].paper;
  assert.deepEqual(first.categories, ['cs.LG', 'cs.AI', 'cs.AR', 'cs.NE', 'cs.RO']);
  assert.equal(first.authors.length, 6);
  assert.ok(first.abstract.startsWith('This work presents'), 'the "arXiv:... Announce Type" prefix is gone');
  assert.match(first.abstract, /visual resolution & stride/);
  assert.equal(feed.items[2].paper.license, 'http://creativecommons.org/licenses/by/4.0/');
  assert.match(feed.items[1].paper.abstract, /over \$800 per sample/);
});

test('RSS: derived replace-cross item and an unknown type', () => {
  const xml = fixtureText('rss/cs.CL_2026-04-27_excerpt3.xml')
    .replace('oai:arXiv.org:2604.22002v1', 'oai:arXiv.org:2604.22002v3')
    .replace(/Announce Type: new/, 'Announce Type: replace-cross')
    .replace('<arxiv:announce_type>new</arxiv:announce_type>', '<arxiv:announce_type>replace-cross</arxiv:announce_type>')
    .replace(/(<arxiv:announce_type>)new(<\/arxiv:announce_type>)([\s\S]*?)$/, '$1withdrawn$2$3');
  const feed = parseRssFeed(xml);
  assert.equal(feed.items[0].announceType, 'replace-cross');
  assert.equal(feed.items[0].paper.version, 3);
  assert.equal(feed.skipped, 1);
  // Positions stay the feed's own, gaps included.
  assert.deepEqual(feed.items.map((i) => i.position), [1, 3]);
});

test('malformed and truncated pages are MalformedPageError, never partial data', () => {
  const full = fixtureText('oai/ListRecords_arXiv_set-physics-hep-th_from-2016-01-01.xml');
  for (const bad of [full.slice(0, full.length / 2), '', 'not xml at all <', '<OAI-PMH><ListRecords><record></ListRecords>']) {
    assert.throws(() => parseOaiPage(bad), MalformedPageError);
  }
  const atom = fixtureText('api/2026/search_testing_start0_max10.xml');
  assert.throws(() => parseAtomPage(atom.slice(0, 5000)), MalformedPageError);
  assert.throws(() => parseRssFeed('<html><body>maintenance</body></html>'), MalformedPageError);
});
