import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArxivId, monthFromId, isoDate, splitAuthors, splitCategories, readIdInput } from '../../db/paper.ts';

test('parseArxivId accepts every form a reader pastes', () => {
  assert.deepEqual(parseArxivId('2405.01234'), { id: '2405.01234', version: null });
  assert.deepEqual(parseArxivId('arXiv:2405.01234v2'), { id: '2405.01234', version: 2 });
  assert.deepEqual(parseArxivId('https://arxiv.org/abs/2405.01234v3'), { id: '2405.01234', version: 3 });
  assert.deepEqual(parseArxivId('https://arxiv.org/pdf/2405.01234.pdf'), { id: '2405.01234', version: null });
  assert.deepEqual(parseArxivId('hep-th/9901001'), { id: 'hep-th/9901001', version: null });
  assert.deepEqual(parseArxivId('math.GT/0309136v1'), { id: 'math/0309136', version: 1 });
  assert.deepEqual(parseArxivId('oai:arXiv.org:0704.0001'), { id: '0704.0001', version: null });
  // Zero-padding as people paste it: five digits since 2015, four before.
  assert.deepEqual(parseArxivId('2601.1306'), { id: '2601.01306', version: null });
  assert.deepEqual(parseArxivId('1406.02661v2'), { id: '1406.2661', version: 2 });
  assert.deepEqual(parseArxivId('0704.00062'), { id: '0704.0062', version: null });
  assert.equal(parseArxivId('1406.12345'), null);
  assert.equal(parseArxivId('abc'), null);
  assert.equal(parseArxivId('2405.012'), null);
  assert.equal(parseArxivId('<script>'), null);
});

test('monthFromId reads YYMM for both styles', () => {
  assert.equal(monthFromId('2405.01234'), '2024-05');
  assert.equal(monthFromId('0704.0001'), '2007-04');
  assert.equal(monthFromId('hep-th/9901001'), '1999-01');
  assert.equal(monthFromId('math/0601001'), '2006-01');
  assert.equal(monthFromId('2413.00001'), null);
});

test('isoDate reads ISO and RFC 2822 dates', () => {
  assert.equal(isoDate('2016-01-05T12:00:00Z'), '2016-01-05');
  assert.equal(isoDate('Sat, 31 Mar 2007 02:26:18 GMT'), '2007-03-31');
  assert.equal(isoDate('Mon, 1 Apr 2007 20:46:54 GMT'), '2007-04-01');
  assert.equal(isoDate('garbage'), null);
  assert.equal(isoDate(null), null);
});

test('splitAuthors handles "and", commas and affiliations', () => {
  assert.deepEqual(splitAuthors('Ileana Streinu and Louis Theran'), ['Ileana Streinu', 'Louis Theran']);
  assert.deepEqual(splitAuthors('A. One, B. Two, and C. Three'), ['A. One', 'B. Two', 'C. Three']);
  assert.deepEqual(splitAuthors('A. One (MIT, USA), B.\n  Two'), ['A. One', 'B. Two'], 'affiliations are not part of a name');
  assert.deepEqual(splitAuthors('David A. Lowe , Juanyi Yang'), ['David A. Lowe', 'Juanyi Yang']);
  assert.deepEqual(splitAuthors(null), []);
});

test('splitCategories keeps order, drops duplicates and non-arXiv codes', () => {
  assert.deepEqual(splitCategories('cs.LG stat.ML cs.LG'), ['cs.LG', 'stat.ML']);
  assert.deepEqual(splitCategories('hep-th gr-qc'), ['hep-th', 'gr-qc']);
  assert.deepEqual(splitCategories(['cs.CL', 'I.2.7', '68T50']), ['cs.CL']);
});

test('normalizeSpace drops bidi controls, so a title cannot reverse the rest of its line', async () => {
  const { normalizeSpace } = await import('../../db/paper.ts');
  const { escapeHtml } = await import('../../lib/html.ts');
  const title = 'Safe title \u202Egnisrever\u202C and \u2066isolated\u2069 text';
  assert.equal(normalizeSpace(title), 'Safe title gnisrever and isolated text');
  assert.doesNotMatch(escapeHtml(title), /[\u202A-\u202E\u2066-\u2069]/);
  assert.equal(normalizeSpace('keeps\u00a0no-break space, é and 中文'), 'keeps\u00a0no-break space, é and 中文');
});

test("splitAuthors reads every sample paper's author list as arXiv's own authors_parsed does", async () => {
  const { corpusLines } = await import('../helpers.ts');
  const { normalizeSpace } = await import('../../db/paper.ts');
  let compared = 0;
  for (const line of await corpusLines()) {
    const r = JSON.parse(line) as { id: string; authors: string | null; authors_parsed: string[][] | null };
    if (!r.authors || !Array.isArray(r.authors_parsed)) continue;
    const want = r.authors_parsed.map((a) => normalizeSpace([a[1], a[0], a[2]].filter(Boolean).join(' ')));
    assert.deepEqual(splitAuthors(r.authors), want, `${r.id}: ${r.authors.slice(0, 120)}`);
    compared++;
  }
  assert.ok(compared > 1000, `${compared} papers compared`);
  // Affiliations, TeX accents, initials and suffixes, as arXiv writes them.
  assert.deepEqual(splitAuthors('Gueniche (DCPR) and P\\\'eter E. Frenkel (1) ((1) Univ. X)'), ['Gueniche', 'Péter E. Frenkel']);
  assert.deepEqual(splitAuthors('J.P.Hague, John Smith, Jr., and Ren{\\\'e} Dupont, et al.'), ['J. P. Hague', 'John Smith Jr.', 'René Dupont']);
});

test('readIdInput tells a pasted id, a malformed one and other text apart', () => {
  assert.deepEqual(readIdInput('arXiv:2601.1306v3'), { kind: 'id', id: '2601.01306', version: 3 });
  assert.deepEqual(readIdInput('arxiv.org/abs/hep-th/9901001'), { kind: 'id', id: 'hep-th/9901001', version: null });
  for (const bad of ['2613.01306', '0000.0000', '2405.012', 'arXiv:x', 'https://example.org/abs/2405.01234', 'hep-th/99']) {
    assert.equal(readIdInput(bad).kind, 'malformed', bad);
  }
  for (const other of ['cs.LG', 'search', 'cs.LG-cs.CV']) assert.equal(readIdInput(other).kind, 'other', other);
});
