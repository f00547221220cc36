// A paper that holds a query word only in other inflections is scored, in
// both engines, as FTS5's bm25() scores an OR of the spellings: each
// spelling is a BM25 term of its own, with its own frequency and its own
// IDF, and the word's score is their sum. Papers with the word as typed
// come first either way (search/plan.ts TIERED_VARIANTS).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openDb } from '../../db/client.ts';
import { ingestBatch } from '../../db/queries.ts';
import { DEFAULT_TUNING, MiniSearchEngine } from '../../search/minisearch.ts';
import { Fts5Engine } from '../../search/fts5.ts';
import { VARIANTS_BELOW } from '../../search/plan.ts';
import type { LocalSearchEngine } from '../../search/types.ts';
import { paperMaker, tempDir } from '../helpers.ts';
import { twoEngines } from './two-engines.ts';

const paper = paperMaker('2505', { authors: ['Ina Flect'] });

const PAPERS = {
  typed: paper('Graph colouring', 'A graph and its colours.'),
  // "graphs" three times: a common spelling, so a low IDF.
  common: paper('Sparse graphs', 'Graphs, more graphs, and sparse graphs.'),
  // "graphing" once: a rare spelling, so a high IDF. Scored with the typed word's IDF, as minisearch once did, this paper came after `common`.
  rare: paper('Graphing tools', 'Tools for plotting data.'),
  // "off" is a stop word, no inflection of "offs": FTS5 indexes it, minisearch does not.
  tradeOffs: paper('Trade-offs in sensor design', 'Design trade-offs for sensors.'),
  switchedOff: paper('Sensors switched off', 'The sensor is turned off and on again.'),
};
const FILLER = Array.from({ length: 10 }, (_, i) => paper(`Dense graphs, part ${i + 1}`, `Graphs with many edges, case ${i + 1}.`));

const engines = twoEngines('search-variant-score-', [...Object.values(PAPERS), ...FILLER]);

const hits = (e: LocalSearchEngine, q: string) => e.search(q, { limit: 50 }).hits;
const name = (id: string) => Object.entries(PAPERS).find(([, p]) => p.id === id)?.[0] ?? 'filler';

for (const engine of ['minisearch', 'fts5'] as const) {
  test(`${engine}: a paper reached only by an inflection scores by that inflection's own IDF`, () => {
    const order = hits(engines[engine], 'graph').map((h) => name(h.id));
    assert.deepEqual(order.slice(0, 3), ['typed', 'rare', 'common'], order.join(' '));
    assert.equal(order.length, 13);
  });
}

test('a stop word is no inflection: "offs" finds the trade-offs alone, in both engines', () => {
  for (const e of [engines.minisearch, engines.fts5]) assert.deepEqual(hits(e, 'offs').map((h) => name(h.id)), ['tradeOffs'], e.name);
});

test('both engines score a word\'s inflections alike, paper by paper', () => {
  for (const q of ['graph', 'graph tools', 'graphed', 'ti:graph', 'graph colouring', 'graph OR sparse', '"sparse graph" OR graphing']) {
    const a = hits(engines.minisearch, q);
    const b = hits(engines.fts5, q);
    assert.ok(a.length > 0, q);
    assert.deepEqual(a.map((h) => h.id), b.map((h) => h.id), q);
    // minisearch multiplies a score by the number of query words matched: the same for every hit, but for an OR.
    if (!q.includes(' OR ')) a.forEach((h, i) => assert.ok(Math.abs(h.score / b[i].score - a[0].score / b[0].score) < 1e-9, `${q}: ${name(h.id)} ${h.score} vs ${b[i].score}`));
  }
});

test('both engines list papers reached only by an inflection only while the words as typed find fewer than VARIANTS_BELOW', () => {
  const own = tempDir('search-variant-below-');
  const local = openDb(join(own.path, 'papers.db'));
  try {
    const make = paperMaker('2506', { authors: ['Ina Flect'] });
    const typed = Array.from({ length: VARIANTS_BELOW - 1 }, (_, i) => make(`Lattice study ${i + 1}`, `A lattice with ${i + 1} sites.`));
    const inflected = Array.from({ length: 5 }, (_, i) => make(`Lattices compared, part ${i + 1}`, `Two lattices side by side.`));
    ingestBatch(local, { papers: [...typed, ...inflected] });
    const both = [MiniSearchEngine.build(local, DEFAULT_TUNING), Fts5Engine.open(local)];
    // One paper short of the limit: the inflections' papers follow.
    for (const e of both) assert.equal(e.search('lattice').total, VARIANTS_BELOW - 1 + 5, e.name);
    ingestBatch(local, { papers: [make('Lattice again', 'One more lattice.')] });
    for (const e of both) {
      e.sync();
      assert.equal(e.search('lattice').total, VARIANTS_BELOW, `${e.name}: the words as typed alone`);
      assert.equal(e.search('lattices').total, 5 + VARIANTS_BELOW, `${e.name}: "lattices" finds 5 as typed`);
      e.close();
    }
  } finally {
    local.sqlite.close();
    own.cleanup();
  }
});
