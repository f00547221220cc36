// The FTS5 engine's fast paths against its plain one, on a real slice of the
// corpus: bm25_df() with known frequencies, rowid ranges answered by worker
// threads, and the vocabulary kept between queries must give the same hits,
// scores and totals as FTS5's bm25() on one thread, for every query form.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDb, type Db } from '../../db/client.ts';
import { getPaper, ingestBatch } from '../../db/queries.ts';
import type { Paper } from '../../db/paper.ts';
import { importFile } from '../../scripts/import.ts';
import { Fts5Engine } from '../../search/fts5.ts';
import { DEFAULT_TUNING, MiniSearchEngine } from '../../search/minisearch.ts';
import { docEntries, isLiveDoc } from '../../search/ms-internals.ts';
import { rankExtension } from '../../search/fts5-rank.ts';
import { words, isIndexable } from '../../search/tokenize.ts';
import { stemmer } from 'stemmer';
import { corpusLines, rng, tempDir } from '../helpers.ts';

let dir: ReturnType<typeof tempDir>;
let db: Db;
let plain: Fts5Engine;
let fast: Fts5Engine;
const queries: string[] = [];

before(async () => {
  dir = tempDir('search-fts5-');
  const lines = await corpusLines(3000);
  const file = join(dir.path, 'slice.jsonl');
  writeFileSync(file, lines.join('\n') + '\n');
  db = openDb(join(dir.path, 'papers.db'));
  await importFile(db, file, {});
  plain = Fts5Engine.open(db, { shards: 1, vocabCache: false, bm25Df: false });
  fast = Fts5Engine.open(db, { shards: 3 });
  // Words drawn from abstracts, as in the benchmark: 2-5 of them, so some
  // queries match many papers, some few (and take the same-stem pass), some none.
  const rnd = rng(42);
  const abstracts = lines.map((l) => (JSON.parse(l) as { abstract: string }).abstract);
  for (let i = 0; i < 60; i++) {
    const pool = words(abstracts[Math.floor(rnd() * abstracts.length)]).filter((w) => isIndexable(w) && /^\p{L}{3,}$/u.test(w));
    const k = 2 + Math.floor(rnd() * 4);
    queries.push(Array.from({ length: k }, () => pool[Math.floor(rnd() * pool.length)]).join(' '));
  }
  queries.push(
    'quantum field', 'black hole -entropy', 'ti:gravity', 'cat:hep-th year:2007 string', 'supersymmetry OR supergravity',
    '"dark matter" halo', 'au:witten', 'models -"dark matter" cat:astro-ph', 'scattering amplitudes from:2007-03 to:2007-05',
    'generalized quantization', 'ti:lattice gauge', 'zzzunknownword quantum', 'cat:math',
    // Compounds (search/compounds.ts): a closed word also as its spaced phrase, a hyphenated one also closed;
    // with few exact matches these take the one tiered pass, the compound's spellings one group.
    'spacetime curvature', 'space-time curvature singularities', 'nonperturbative string vacua', 'non-perturbative instanton',
    'two-dimensional conformal', 'crosssection measured', 'supersymmetric gauge theories',
  );
});

after(() => {
  plain?.close();
  fast?.close();
  db?.sqlite.close();
  dir?.cleanup();
});

const view = (r: ReturnType<Fts5Engine['search']>) => ({ total: r.total, hits: r.hits.map((h) => [h.id, h.score]) });

test('fts5: bm25_df is built and loaded here, and threads are used', () => {
  assert.ok(rankExtension().path, `bm25_df not built: ${rankExtension().error}`);
  assert.equal(fast.shards, 3);
  assert.equal(plain.shards, 1);
});

test('fts5: ranges over threads, bm25_df and kept counts give the same page, scores and total as one bm25() pass', () => {
  for (const q of queries) {
    for (const [offset, limit] of [[0, 10], [0, 100], [7, 5], [95, 10]]) {
      assert.deepEqual(view(fast.search(q, { offset, limit })), view(plain.search(q, { offset, limit })), `${q} @${offset}+${limit}`);
    }
    // Twice: the second answer comes from the kept vocabulary.
    assert.deepEqual(view(fast.search(q, { limit: 20 })), view(plain.search(q, { limit: 20 })), `${q} again`);
  }
});

test('fts5: paging through a sharded result reaches every hit exactly once', () => {
  for (const q of ['quantum field', 'models', 'generalized quantization']) {
    const { total } = fast.search(q, { limit: 0 });
    const ids: string[] = [];
    for (let off = 0; off < total; off += 37) ids.push(...fast.search(q, { offset: off, limit: 37 }).hits.map((h) => h.id));
    assert.equal(ids.length, total, q);
    assert.equal(new Set(ids).size, total, q);
    assert.deepEqual(ids, plain.search(q, { limit: total }).hits.map((h) => h.id), q);
  }
});

test('fts5: a write empties the kept vocabulary, so a new same-stem word is found at once', () => {
  const base: Paper = {
    id: '2611.99100', version: 1, title: 'Zorblax sampling', abstract: 'We study zorblax sampling.',
    authors: ['A'], categories: ['cs.LG'], published: '2026-11-22', updated: null, comments: null, journalRef: null, doi: null, license: null,
  };
  ingestBatch(db, { papers: [base] });
  assert.deepEqual(fast.search('zorblax sampling').hits.map((h) => h.id), [base.id]);
  // "zorblaxes" shares the stem of "zorblax" and was not in the vocabulary when it was read.
  const variant: Paper = { ...base, id: '2611.99101', title: 'Zorblaxes', abstract: 'Many zorblaxes, sampling them.' };
  ingestBatch(db, { papers: [variant] });
  const r = fast.search('zorblax sampling');
  assert.deepEqual(r.hits.map((h) => h.id), [base.id, variant.id]);
  assert.deepEqual(view(r), view(plain.search('zorblax sampling')));
});

test('fts5: a phrase\'s document count, kept between queries, follows writes', () => {
  const q = '"dark matter" halo profiles';
  assert.deepEqual(view(fast.search(q)), view(plain.search(q)));
  const paper: Paper = {
    id: '2611.99200', version: 1, title: 'Dark matter halo profiles', abstract: 'Dark matter in a halo; profiles of dark matter.',
    authors: ['B'], categories: ['astro-ph.CO'], published: '2026-11-22', updated: null, comments: null, journalRef: null, doi: null, license: null,
  };
  ingestBatch(db, { papers: [paper] });
  // One more paper holds the phrase: its weight changes, and so every score.
  const r = fast.search(q);
  assert.equal(r.hits[0]?.id, paper.id);
  assert.deepEqual(view(r), view(plain.search(q)));
});

test('fts5: a kept vocabulary gives the same pages as counting, and sync brings in new papers\' words', () => {
  const kept = Fts5Engine.open(db, { shards: 2, vocabularyAbove: 0 });
  for (const q of queries) {
    assert.deepEqual(view(kept.search(q, { limit: 20 })), view(plain.search(q, { limit: 20 })), q);
  }
  const base: Paper = {
    id: '2611.99300', version: 1, title: 'Glorbination of graphs', abstract: 'We define glorbination for sparse graphs.',
    authors: ['C'], categories: ['math.CO'], published: '2026-11-23', updated: null, comments: null, journalRef: null, doi: null, license: null,
  };
  const variant: Paper = { ...base, id: '2611.99301', title: 'Glorbinated graphs', abstract: 'Graphs, glorbinated.' };
  ingestBatch(db, { papers: [base, variant] });
  // Until the sync, the kept vocabulary has not seen "glorbinated": the new paper is found by its exact words only.
  assert.deepEqual(kept.search('glorbination').hits.map((h) => h.id), [base.id]);
  assert.equal(kept.sync(), 2);
  assert.deepEqual(kept.search('glorbination').hits.map((h) => h.id), [base.id, variant.id]);
  const counted = (t: string) => db.sqlite.prepare('SELECT doc FROM papers_fts_vocab WHERE term = ?').pluck().get(t);
  for (const t of ['glorbination', 'glorbinated', 'graphs', 'sparse']) {
    assert.equal((kept as unknown as { vocabDocs(t: string): number }).vocabDocs(t), counted(t), t);
  }
  assert.deepEqual(view(kept.search('glorbination sparse graphs')), view(plain.search('glorbination sparse graphs')));
  kept.close();
});

test('fts5: the same-stem pass keeps to its budget of variant postings, closest spellings first', () => {
  const paper = (n: number, title: string, abstract: string): Paper => ({
    id: `2611.9940${n}`, version: 1, title, abstract, authors: ['D'], categories: ['cond-mat.soft'],
    published: '2026-11-24', updated: null, comments: null, journalRef: null, doi: null, license: null,
  });
  const typed = paper(0, 'Blimpization of foams', 'We study blimpization.');
  const far = paper(1, 'Blimpized foams', 'Foams, blimpized.');
  const near = paper(2, 'Blimpizations', 'Several blimpizations of foams.');
  for (const w of ['blimpized', 'blimpizations']) assert.equal(stemmer(w), stemmer('blimpization'), w);
  ingestBatch(db, { papers: [typed, far, near] });
  const ids = (budget: number | undefined) => {
    const e = Fts5Engine.open(db, { shards: 1, ...(budget === undefined ? {} : { variantPostings: budget }) });
    try {
      return e.search('blimpization').hits.map((h) => h.id);
    } finally {
      e.close();
    }
  };
  assert.deepEqual(ids(0), [typed.id]);
  // One posting: "blimpizations" shares 12 letters with the typed word, "blimpized" 7.
  assert.deepEqual(ids(1), [typed.id, near.id]);
  assert.deepEqual(ids(undefined)[0], typed.id);
  assert.deepEqual(new Set(ids(undefined)), new Set([typed.id, far.id, near.id]));
});

test('fts5: deep pages over threads match one thread, also when one thread holds every match', () => {
  // More than SHARE_ABOVE rows wanted: each thread first sorts only its share of them.
  const common = 'model OR results OR show OR theory';
  assert.ok(plain.search(common, { limit: 0 }).total > 1300);
  for (const offset of [1000, 1200]) {
    assert.deepEqual(view(fast.search(common, { offset, limit: 20 })), view(plain.search(common, { offset, limit: 20 })), `${common} @${offset}`);
  }
  // 1,300 new papers with one word, all in the last rowid range: that thread's
  // share runs short, and the page must still be the one a single thread gives.
  const papers: Paper[] = Array.from({ length: 1300 }, (_, i) => ({
    id: `2612.${String(50000 + i)}`, version: 1, title: `Quuxon study ${i}`,
    abstract: `Quuxon ${'quuxon '.repeat(i % 7)}fields in ${i % 13} dimensions.`,
    authors: ['E'], categories: ['hep-th'], published: '2026-12-01', updated: null, comments: null, journalRef: null, doi: null, license: null,
  }));
  ingestBatch(db, { papers });
  const slow = Fts5Engine.open(db, { shards: 1, vocabCache: false, bm25Df: false });
  try {
    for (const offset of [0, 1100, 1290]) {
      const got = view(fast.search('quuxon', { offset, limit: 10 }));
      assert.equal(got.total, 1300);
      assert.deepEqual(got, view(slow.search('quuxon', { offset, limit: 10 })), `quuxon @${offset}`);
    }
  } finally {
    slow.close();
  }
});

test('fts5: a paper rewritten in place is scored with its new length on every thread (kept lengths are dropped by a write)', () => {
  const q = 'quantum field';
  const { total } = plain.search(q, { limit: 0 });
  assert.ok(total > 20, `${q}: ${total}`);
  // Every thread reads, and keeps, the length of every matching paper.
  const before = fast.search(q, { limit: total });
  assert.deepEqual(view(before), view(plain.search(q, { limit: total })));
  const top = before.hits[0];
  const filler = Array.from({ length: 300 }, (_, i) => `filler${i}`).join(' ');
  const rowid = db.sqlite.prepare('SELECT rowid FROM papers WHERE id = ?').pluck().get(top.id);
  db.sqlite.prepare("UPDATE papers SET abstract = abstract || ' ' || ? WHERE id = ?").run(filler, top.id);
  assert.equal(db.sqlite.prepare('SELECT rowid FROM papers WHERE id = ?').pluck().get(top.id), rowid, 'rewritten in place');
  const after = fast.search(q, { limit: total });
  assert.deepEqual(view(after), view(plain.search(q, { limit: total })));
  const score = after.hits.find((h) => h.id === top.id)?.score;
  assert.ok(score !== undefined && score < top.score, `a longer paper scores lower: ${top.score} -> ${score}`);
});

test('fts5: kept lengths outlive writes to other tables, not to the index, and are not used inside a transaction', () => {
  // Opening loads bm25_df into db's connection afresh; watching the table again empties what it read at open.
  const one = Fts5Engine.open(db, { shards: 1 });
  const kept = () => db.sqlite.prepare('SELECT bm25_kept()').pluck().get() as number;
  db.sqlite.prepare('SELECT bm25_watch(?)').get('papers_fts');
  assert.equal(kept(), 0);
  one.search('supergravity', { limit: 1 });
  const few = kept();
  one.search('quantum', { limit: 1 });
  const more = kept();
  assert.ok(few > 0 && more > few + 100, `${few} ${more}`);
  db.sqlite.exec("INSERT OR REPLACE INTO math_cache (key, html, ok) VALUES ('kept-lengths-test', '', 1)");
  one.search('supergravity', { limit: 1 });
  assert.equal(kept(), more, 'a write to another table keeps them');
  db.sqlite.prepare("UPDATE papers SET title = title || ' (revised)' WHERE id = (SELECT id FROM papers ORDER BY rowid DESC LIMIT 1)").run();
  one.search('supergravity', { limit: 1 });
  assert.equal(kept(), few, 'a write to the index empties them');
  // Inside a transaction the index may hold changes its structure record does not show yet.
  const q = 'supergravity';
  const target = one.search(q, { limit: 1 }).hits[0].id;
  db.sqlite.transaction(() => {
    db.sqlite.prepare("UPDATE papers SET abstract = abstract || ' ' || ? WHERE id = ?").run('pad '.repeat(200), target);
    assert.deepEqual(view(one.search(q, { limit: 50 })), view(plain.search(q, { limit: 50 })));
  })();
  assert.deepEqual(view(one.search(q, { limit: 50 })), view(plain.search(q, { limit: 50 })));
  one.close();
});

test("fts5: a crawl's write re-reads only the papers it wrote, keeps every other length on every thread, and scores stay exact", () => {
  const one = Fts5Engine.open(db, { shards: 1 });
  const kept = () => db.sqlite.prepare('SELECT bm25_kept()').pluck().get() as number;
  const rows = () => db.sqlite.prepare('SELECT count(*) FROM papers_fts_docsize').pluck().get() as number;
  assert.equal(kept(), rows(), 'read at open');
  const q = 'quantum field';
  const total = plain.search(q, { limit: 0 }).total;
  fast.search(q, { limit: total }); // the range threads' lengths are in use before the write
  const top = one.search(q, { limit: 1 }).hits[0];
  const old = getPaper(db, top.id)!;
  const filler = Array.from({ length: 200 }, (_, i) => `padword${i}`).join(' ');
  const added: Paper = { ...old, id: '2612.59999', title: 'Quantum field theory on a new lattice', abstract: 'A quantum field, newly crawled.' };
  // As a crawl writes: a new version of one paper and one new paper, each given a higher seq.
  const counts = ingestBatch(db, { papers: [{ ...old, version: (old.version ?? 1) + 1, abstract: `${old.abstract} ${filler}` }, added] });
  assert.equal(counts.updated + counts.added, 2, JSON.stringify(counts));
  const after = one.search(q, { limit: total + 1 });
  assert.equal(kept(), rows(), 'every length kept: the two written papers re-read, none dropped');
  assert.deepEqual(view(after), view(plain.search(q, { limit: total + 1 })));
  assert.deepEqual(view(fast.search(q, { limit: total + 1 })), view(plain.search(q, { limit: total + 1 })), 'range threads');
  const score = after.hits.find((h) => h.id === top.id)?.score;
  assert.ok(score !== undefined && score < top.score, `the longer paper scores lower: ${top.score} -> ${score}`);
  assert.ok(after.hits.some((h) => h.id === added.id), 'the new paper is found and scored');
  // A write that does not raise the mark and changes a length: the index's totals disagree with the kept ones, so all are dropped.
  db.sqlite.prepare('UPDATE papers SET title = title || \' unmarked\' WHERE id = ?').run(added.id);
  assert.deepEqual(view(one.search(q, { limit: total + 1 })), view(plain.search(q, { limit: total + 1 })));
  assert.ok(kept() < rows(), `dropped: ${kept()} of ${rows()}`);
  assert.deepEqual(view(fast.search(q, { limit: total + 1 })), view(plain.search(q, { limit: total + 1 })), 'range threads');
  one.close();
});

test('fts5: lengths read at open, after a sync, and by rowid range (a query that misses densely) give the same pages and scores as reading each', () => {
  const one = Fts5Engine.open(db, { shards: 1 });
  const kept = () => db.sqlite.prepare('SELECT bm25_kept()').pluck().get() as number;
  const rows = db.sqlite.prepare('SELECT count(*) FROM papers_fts_docsize').pluck().get() as number;
  assert.equal(kept(), rows, 'read at open');
  db.sqlite.prepare("UPDATE papers SET title = title || ' (again)' WHERE id = (SELECT id FROM papers ORDER BY rowid LIMIT 1)").run();
  one.search('models', { limit: 1 });
  assert.ok(kept() < rows, 'a changed index empties them');
  while (one.sync() > 0);
  assert.equal(kept(), rows, 'read again after the sync');
  // Ranges from the first miss on (the default waits for 4,096, more than this corpus' common words have).
  db.sqlite.prepare('SELECT bm25_watch(?, ?)').get('papers_fts', 0);
  const papers = db.sqlite.prepare('SELECT count(*) FROM papers').pluck().get() as number;
  const hits = one.search('models', { limit: 1 }).total;
  assert.ok(kept() > 2 * hits, `${hits} matches, ${kept()} lengths kept of ${papers}`);
  for (const q of queries) {
    db.sqlite.prepare('SELECT bm25_watch(?, ?)').get('papers_fts', 0); // empties them: each query reads afresh
    assert.deepEqual(view(one.search(q, { limit: 20 })), view(plain.search(q, { limit: 20 })), q);
  }
  one.close();
});

test('both engines measure a paper as long as FTS5 does, TeX, ids and apostrophes included, after a build and a sync', () => {
  const varints = (b: Buffer) => {
    const out: number[] = [];
    for (let i = 0; i < b.length; ) {
      let v = 0;
      for (;;) {
        const c = b[i++];
        v = v * 128 + (c & 127);
        if (!(c & 128)) break;
      }
      out.push(v);
    }
    return out;
  };
  const mini = MiniSearchEngine.build(db, DEFAULT_TUNING);
  const odd: Paper = {
    id: '2611.99500', version: 1, title: "Bal\\'azs's $\\mathcal{O}(n^2)$ bound, cf. 2405.01234 and hep-th/9901001",
    abstract: 'We don\u2019t use \\emph{any} of $x_1, \\ldots, x_{10}$; e.g. 3.5% of na\u00efve caf\u00e9 runs.', authors: ["O'Neil, K.", 'Z\u00fcrich Group'],
    categories: ['cs.DS'], published: '2026-11-25', updated: null, comments: null, journalRef: null, doi: null, license: null,
  };
  ingestBatch(db, { papers: [odd] });
  assert.ok(mini.sync() >= 1);
  const sizes = new Map(
    (db.sqlite.prepare('SELECT p.id AS id, d.sz AS sz FROM papers p JOIN papers_fts_docsize d ON d.id = p.rowid').all() as { id: string; sz: Buffer }[]).map(
      (r) => [r.id, varints(r.sz)],
    ),
  );
  let compared = 0;
  for (const d of docEntries(mini.ms)) {
    if (!isLiveDoc(mini.ms, d.shortId)) continue;
    assert.deepEqual(d.fieldLength, sizes.get(d.id), d.id);
    compared++;
  }
  assert.equal(compared, sizes.size);
  assert.ok(sizes.has(odd.id));
  mini.close();
});
