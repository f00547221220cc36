// Citations as reference managers read them: BibTeX parsed back by a real
// BibTeX parser (the one Zotero's Better BibTeX uses), meta tags in plain text,
// the year of the first version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseBibtex } from '@retorquere/bibtex-parser';
import { bibtex, bibtexKey, bibValue, citationMeta, paperYear } from '../../server/views/cite.ts';
import { normalizeSpace, type Paper } from '../../db/paper.ts';
import { paperFromSnapshot } from '../../scripts/snapshot.ts';
import { corpusLines } from '../helpers.ts';

function paper(over: Partial<Paper>): Paper {
  return {
    id: '1112.5801', version: 3, title: 'A title', abstract: 'An abstract.', authors: ['A. One'], categories: ['cs.LG'],
    published: null, updated: '2016-04-01', comments: null, journalRef: null, doi: null, license: null, ...over,
  };
}

const meta = (p: Paper, name: string) => citationMeta(p).filter(([n]) => n === name).map(([, v]) => v);

test('the year is the first version\'s, else the id\'s month, never the last update', () => {
  assert.equal(paperYear(paper({})), '2011');
  assert.deepEqual(meta(paper({}), 'citation_date'), ['2011/12']);
  assert.equal(paperYear(paper({ published: '2012-01-02' })), '2012');
  assert.deepEqual(meta(paper({ published: '2012-01-02' }), 'citation_date'), ['2012/01/02']);
  assert.equal(paperYear(paper({ id: 'hep-th/9901001' })), '1999');
  assert.match(bibtex(paper({})), /year = \{2011\}/);
});

test('names lose affiliations and TeX accents in keys, BibTeX and meta tags (names stored before the parser changed too)', () => {
  const p = paper({ authors: ['Gueniche (DCPR)', "Ren{\\'e} Dupont"], title: 'Rich {M}odels of \\"Ordnung' });
  assert.equal(bibtexKey(p), 'gueniche2011rich');
  assert.deepEqual(meta(p, 'citation_author'), ['Gueniche', 'René Dupont']);
  const entry = parseBibtex(bibtex(p)).entries[0];
  assert.deepEqual(entry.fields.author?.map((a) => a.lastName), ['Gueniche', 'Dupont']);
});

test('titles and abstracts are Unicode prose with formulas kept; BibTeX escapes what LaTeX would read as commands', () => {
  const p = paper({
    title: 'Schr\\"odinger bridges at 50% & more: $O(n_k)$ for compute\\mbox{-}capability # ``quoted\'\'',
    abstract: 'We use \\emph{small} steps -- fast~enough.',
    journalRef: 'J. Phys. A 12 {(2011)} }',
  });
  assert.deepEqual(meta(p, 'citation_title'), ['Schrödinger bridges at 50% & more: $O(n_k)$ for compute-capability # “quoted”']);
  assert.deepEqual(meta(p, 'citation_abstract'), ['We use small steps – fast\u00a0enough.']);
  const bib = bibtex(p);
  assert.match(bib, /title = \{Schrödinger bridges at 50\\% \\& more: \$O\(n_k\)\$ for compute-capability \\# “quoted”\}/);
  const lib = parseBibtex(bib);
  assert.deepEqual(lib.errors, []);
  assert.equal(lib.entries.length, 1);
  assert.match(lib.entries[0].fields.title ?? '', /^Schrödinger bridges at 50% & more: /);
  assert.equal(lib.entries[0].fields.journal, 'J. Phys. A 12 (2011)');
  // A stray brace in any field cannot end the entry early.
  assert.equal(bibValue('a } b { c'), 'a  b  c');
});

test('citation fields on 50 real papers: the BibTeX parses, authors are arXiv\'s authors_parsed, year from v1, no raw TeX outside math', async () => {
  let checked = 0;
  let eligible = 0;
  for (const line of await corpusLines()) {
    const raw = JSON.parse(line) as { id: string; versions?: { created: string }[]; authors_parsed?: string[][] };
    if (!raw.versions?.length || !raw.authors_parsed?.length) continue;
    // Spread over the sample (sorted by id, so across eras and archives): every 4th eligible paper.
    if (eligible++ % 4 !== 0) continue;
    const p = paperFromSnapshot(raw);
    const firstYear = /\d{4}/.exec(raw.versions[0].created)?.[0];
    assert.equal(paperYear(p), firstYear, raw.id);
    const lib = parseBibtex(bibtex(p));
    assert.deepEqual(lib.errors, [], `${raw.id}: ${bibtex(p)}`);
    const entry = lib.entries[0];
    assert.equal(entry.fields.year, firstYear);
    assert.equal(entry.fields.author?.length, raw.authors_parsed.length, `${raw.id} authors`);
    const want = raw.authors_parsed.map((a) => normalizeSpace([a[1], a[0], a[2]].filter(Boolean).join(' ')));
    assert.deepEqual(meta(p, 'citation_author'), want, raw.id);
    const title = meta(p, 'citation_title')[0].replace(/\$[^$]*\$/g, '');
    assert.doesNotMatch(title, /\\(["'`^~]|[A-Za-z]+\{)/, `${raw.id}: ${title}`);
    if (++checked >= 50) break;
  }
  assert.equal(checked, 50);
});
