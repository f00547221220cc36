// A phrase (quoted, or a hyphenated compound's spelling) is one BM25 term in
// both engines, as FTS5's bm25() scores it: its frequency is how often the
// words stand in a row, its IDF from the papers holding the phrase. Checked
// on hand-made papers where the answer is certain, and engine against engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openDb } from '../../db/client.ts';
import { ingestBatch } from '../../db/queries.ts';
import { DEFAULT_TUNING, MiniSearchEngine } from '../../search/minisearch.ts';
import { Fts5Engine } from '../../search/fts5.ts';
import { TermSequences, wordHash } from '../../search/sequences.ts';
import type { LocalSearchEngine } from '../../search/types.ts';
import { paperMaker, tempDir } from '../helpers.ts';
import { twoEngines } from './two-engines.ts';

const paper = paperMaker('2504', { authors: ['Fra Ses'] });

const PAPERS = {
  // The phrase once, in a short paper.
  inRow: paper('Large scale graphs', 'We study graphs.'),
  // The phrase once too, and its words apart again and again: as an AND of words this paper ranked first.
  apart: paper('Graphs', 'A large scale study of large graphs at every scale, from large to small scale, large and scale.'),
  // The phrase twice.
  twice: paper('Large scale graphs at large scale', 'We study graphs at large scale and small.'),
  // Both words, never in a row: no match.
  never: paper('Scale of large graphs', 'Large graphs whose scale varies.'),
};
const FILLER = Array.from({ length: 12 }, (_, i) => paper(`Filler study ${i + 1}`, `A study of protein structure and data, part ${i + 1}.`));

const engines = twoEngines('search-phrase-', [...Object.values(PAPERS), ...FILLER]);

const hits = (e: LocalSearchEngine, q: string) => e.search(q, { limit: 50 }).hits;
const name = (id: string) => Object.entries(PAPERS).find(([, p]) => p.id === id)?.[0] ?? id;

for (const engine of ['minisearch', 'fts5'] as const) {
  test(`${engine}: a phrase counts where its words stand in a row, not where they stand apart`, () => {
    for (const q of ['"large scale"', 'large-scale', 'ti:"large scale" OR "large scale"']) {
      assert.deepEqual(hits(engines[engine], q).map((h) => name(h.id)), ['twice', 'inRow', 'apart'], q);
    }
  });
}

test('both engines score a phrase alike (one term: its own frequency and IDF)', () => {
  for (const q of ['"large scale"', 'large-scale graphs', '"large scale" study', 'abs:"large scale"']) {
    const a = hits(engines.minisearch, q);
    const b = hits(engines.fts5, q);
    assert.ok(a.length > 0, q);
    assert.deepEqual(a.map((h) => h.id), b.map((h) => h.id), q);
    // minisearch multiplies a score by the number of query words matched, the same for every hit of an AND.
    const ratio = a[0].score / b[0].score;
    if (q === '"large scale"') assert.ok(Math.abs(ratio - 1) < 1e-9, `${q}: ${ratio}`);
    a.forEach((h, i) => assert.ok(Math.abs(h.score / b[i].score - ratio) < 1e-9, `${q}: ${name(h.id)} ${h.score} vs ${b[i].score}`));
  }
});

test('TermSequences.count: occurrences per field, overlapping runs each counted', () => {
  const s = new TermSequences();
  const h = (ws: string) => ws.split(' ').map(wordHash);
  s.set(0, [h('a b a b'), h('b a b a b'), h('x')]);
  const out = new Int32Array(3);
  s.count(0, Int32Array.from(h('a b')), out);
  assert.deepEqual([...out], [2, 2, 0]);
  s.count(0, Int32Array.from(h('a b a')), out);
  assert.deepEqual([...out], [1, 1, 0]);
  s.count(1, Int32Array.from(h('a b')), out);
  assert.deepEqual([...out], [0, 0, 0]);
});

test('both engines count a word\'s papers over all its fields, as FTS5 does: one word scores alike', () => {
  // "large" is in one paper's title only, another's abstract only, and in both of two more: FTS5 counts 4 papers,
  // the largest field list 3.
  // Under a field filter too: the count is the field's, the length the whole paper's, as FTS5 takes them.
  for (const q of ['study', 'graphs', 'protein', 'large', 'scale', 'ti:large', 'abs:large', 'ti:study', 'abs:"large scale"']) {
    const a = hits(engines.minisearch, q);
    const b = hits(engines.fts5, q);
    assert.ok(a.length > 1, q);
    assert.deepEqual(a.map((h) => h.id), b.map((h) => h.id), q);
    a.forEach((h, i) => assert.ok(Math.abs(h.score - b[i].score) < 1e-9 * Math.max(1, h.score), `${q}: ${name(h.id)} ${h.score} vs ${b[i].score}`));
  }
});

test('minisearch: the kept counts of a phrase\'s and a word\'s papers follow a write and a sync', () => {
  const own = tempDir('search-phrase-sync-');
  const local = openDb(join(own.path, 'papers.db'));
  const make = paperMaker('2505', { authors: ['Fra Ses'] });
  ingestBatch(local, { papers: [make('Large scale graphs', 'We study graphs.'), ...FILLER.map((p) => ({ ...p, id: `2505.2${p.id.slice(-4)}` }))] });
  const mini = MiniSearchEngine.build(local, DEFAULT_TUNING);
  const fts = Fts5Engine.open(local);
  try {
    const scores = (q: string) => [hits(mini, q).map((h) => h.score), hits(fts, q).map((h) => h.score)];
    const before = scores('"large scale"')[0][0];
    ingestBatch(local, { papers: [make('Large scale flows', 'Flows at large scale.')] });
    assert.equal(mini.sync(), 1);
    // One more paper holds the phrase and the word: their IDFs fall, and the engines still agree.
    for (const q of ['"large scale"', 'large']) {
      const [a, b] = scores(q);
      assert.equal(a.length, 2, q);
      a.forEach((s, i) => assert.ok(Math.abs(s - b[i]) < 1e-9 * Math.max(1, s), `${q}: ${s} vs ${b[i]}`));
    }
    assert.ok(scores('"large scale"')[0].every((s) => s < before));
  } finally {
    mini.close();
    fts.close();
    local.sqlite.close();
    own.cleanup();
  }
});

// An excluded phrase inside one branch of an OR: that branch gives nothing to a paper holding the
// phrase, which still counts for the other branch.
const kernel = paperMaker('2506', { authors: ['Fra Ses'] });
const EXCLUDED = {
  phraseAndBoth: kernel('Large scale kernel graphs', 'Kernel methods on graphs at large scale, told over a long abstract with many other words in it.'),
  kernelOnly: kernel('Kernel methods', 'We study kernel methods.'),
  graphsOnly: kernel('Graphs of cells', 'We study graphs of cells.'),
};
const excluding = twoEngines('search-phrase-not-', [...Object.values(EXCLUDED), ...FILLER.map((p) => ({ ...p, id: `2506.2${p.id.slice(-4)}` }))]);

test('an excluded phrase inside an OR takes its branch\'s score away, in both engines alike', () => {
  const label = (id: string) => Object.entries(EXCLUDED).find(([, p]) => p.id === id)?.[0] ?? id;
  for (const q of ['kernel OR (graphs -"large scale")', 'kernel OR (graphs -(large-scale))']) {
    const a = hits(excluding.minisearch, q);
    const b = hits(excluding.fts5, q);
    // phraseAndBoth has only "kernel" to count, in a longer text than kernelOnly's.
    assert.deepEqual(a.map((h) => label(h.id)).sort(), ['graphsOnly', 'kernelOnly', 'phraseAndBoth'], q);
    assert.deepEqual(a.map((h) => h.id), b.map((h) => h.id), q);
    assert.ok(a.findIndex((h) => label(h.id) === 'kernelOnly') < a.findIndex((h) => label(h.id) === 'phraseAndBoth'), q);
    a.forEach((h, i) => assert.ok(Math.abs(h.score - b[i].score) < 1e-9 * Math.max(1, h.score), `${q}: ${label(h.id)} ${h.score} vs ${b[i].score}`));
  }
});
