// Both engines in process on a real slice of the corpus (first 3,000 papers):
// query semantics checked against the papers' own text, pagination, lookups,
// related papers, snapshot lifecycle and catching up from the watermark.
import { canonicalCategory } from '../../db/taxonomy.ts';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { openDb, type Db } from '../../db/client.ts';
import { getPapers, ingestBatch } from '../../db/queries.ts';
import type { Paper } from '../../db/paper.ts';
import { importFile } from '../../scripts/import.ts';
import { openSearch } from '../../search/index.ts';
import type { LocalSearchEngine, SearchResult } from '../../search/types.ts';
import { termMatcher } from '../../search/highlight.ts';
import { parseQuery } from '../../search/query.ts';
import { docMatches, docTerms } from '../../search/match.ts';
import { rewriteCompounds } from '../../search/compounds.ts';
import { VARIANTS_BELOW } from '../../search/plan.ts';
import { SearchWorker } from '../../search/worker.ts';
import { CORPUS, tempDir } from '../helpers.ts';

const SLICE = 3000;
let dir: ReturnType<typeof tempDir>;
let db: Db;
const engines: Record<'minisearch' | 'fts5', LocalSearchEngine> = {} as never;
const logs: string[] = [];

async function sliceOfCorpus(file: string, n: number): Promise<void> {
  const lines: string[] = [];
  const rl = createInterface({ input: createReadStream(CORPUS).pipe(createGunzip()), crlfDelay: Infinity });
  for await (const line of rl) {
    lines.push(line);
    if (lines.length >= n) break;
  }
  rl.close();
  writeFileSync(file, lines.join('\n') + '\n');
}

before(async () => {
  dir = tempDir('search-engine-');
  const file = join(dir.path, 'slice.jsonl');
  await sliceOfCorpus(file, SLICE);
  db = openDb(join(dir.path, 'papers.db'));
  await importFile(db, file, {});
  engines.minisearch = await openSearch(db, { engine: 'minisearch', dataDir: dir.path, log: (l) => logs.push(l) });
  engines.fts5 = await openSearch(db, { engine: 'fts5', dataDir: dir.path, log: (l) => logs.push(l) });
});

after(() => {
  engines.minisearch?.close();
  engines.fts5?.close();
  db?.sqlite.close();
  dir?.cleanup();
});

function allIds(e: LocalSearchEngine, q: string): { ids: string[]; total: number } {
  const first = e.search(q, { offset: 0, limit: 100 });
  const ids = first.hits.map((h) => h.id);
  for (let off = 100; off < first.total; off += 100) ids.push(...e.search(q, { offset: off, limit: 100 }).hits.map((h) => h.id));
  return { ids, total: first.total };
}

const text = (p: Paper) => `${p.title} ${p.abstract} ${p.authors.join(', ')}`;
const has = (s: string, word: string) => s.split(/[^\p{L}\p{N}]+/u).some((w) => termMatcher([word]).matches(w));

for (const name of ['minisearch', 'fts5'] as const) {
  test(`${name}: bare words match all of them; pagination reaches every hit exactly once`, () => {
    const e = engines[name];
    const { ids, total } = allIds(e, 'quantum field');
    assert.ok(total > 20, `expected hits, got ${total}`);
    assert.equal(ids.length, total);
    assert.equal(new Set(ids).size, total);
    for (const p of getPapers(db, ids)) assert.ok(has(text(p), 'quantum') && has(text(p), 'field'), p.id);
    // Past the end: empty page, same total.
    const past = e.search('quantum field', { offset: total + 50, limit: 10 });
    assert.equal(past.hits.length, 0);
    assert.equal(past.total, total);
  });

  test(`${name}: exclusion, fields, categories and dates hold for every hit`, () => {
    const e = engines[name];
    const ex = allIds(e, 'black hole -entropy');
    assert.ok(ex.total > 0);
    for (const p of getPapers(db, ex.ids)) assert.ok(!has(text(p), 'entropy'), `${p.id} has entropy`);
    const ti = allIds(e, 'ti:gravity');
    assert.ok(ti.total > 0);
    for (const p of getPapers(db, ti.ids)) assert.ok(has(p.title, 'gravity'), p.id);
    const cat = allIds(e, 'cat:hep-th year:2007 string');
    assert.ok(cat.total > 0);
    for (const p of getPapers(db, cat.ids)) {
      assert.ok(p.categories.includes('hep-th'), p.id);
      assert.ok(!p.published || p.published.startsWith('2007'), `${p.id} ${p.published}`);
    }
    const archive = allIds(e, 'cat:math');
    assert.ok(archive.total > 0);
    // Aliases (cs.NA ≡ math.NA) and retired archives (funct-an) count under the archive their canonical category is in.
    const inMath = (c: string) => c === 'math' || c.startsWith('math.') || canonicalCategory(c).startsWith('math.');
    for (const p of getPapers(db, archive.ids)) assert.ok(p.categories.some(inMath), p.id);
    // OR widens, never narrows.
    const a = e.search('supersymmetry').total;
    const b = e.search('supergravity').total;
    const either = e.search('supersymmetry OR supergravity').total;
    assert.ok(either >= Math.max(a, b) && either <= a + b);
  });

  test(`${name}: phrases keep word order`, () => {
    const e = engines[name];
    const { ids, total } = allIds(e, '"dark matter"');
    assert.ok(total > 0);
    for (const p of getPapers(db, ids)) assert.match(`${p.title} ${p.abstract}`.replace(/\s+/g, ' '), /dark[\s-]+matter/i, p.id);
    assert.ok(total <= e.search('dark matter').total);
  });

  test(`${name}: an arXiv id or URL puts that paper first`, () => {
    const e = engines[name];
    for (const q of ['0704.0002', 'arXiv:0704.0002v2', 'https://arxiv.org/abs/0704.0002']) {
      assert.equal(e.search(q).hits[0]?.id, '0704.0002', q);
    }
  });

  test(`${name}: related papers exclude the paper, explain themselves, and are deterministic`, () => {
    const e = engines[name];
    const r = e.related('0704.0002', 10)!;
    assert.ok(r.terms.length >= 3, JSON.stringify(r.terms));
    assert.ok(r.hits.length > 0);
    assert.ok(!r.hits.some((h) => h.id === '0704.0002'));
    assert.deepEqual(e.related('0704.0002', 10), r);
    assert.equal(e.related('9999.99999', 10), null);
    const t = e.relatedText('quark gluon plasma in heavy ion collisions', 5);
    assert.ok(t.terms.includes('quark') || t.terms.includes('gluon'), JSON.stringify(t.terms));
    assert.ok(t.hits.length > 0);
  });

  test(`${name}: nothing to search for is an empty result, not an error`, () => {
    const e = engines[name];
    assert.equal(e.search('').total, 0);
    assert.equal(e.search('the of and').total, 0);
    assert.equal(e.search('zzqxv wqxzz').total, 0);
  });
}

test('minisearch: new rows become searchable on sync; the snapshot reloads, a corrupt one is rebuilt', async () => {
  const e = engines.minisearch;
  const paper: Paper = {
    id: '2611.99001', version: 1, title: 'Zyxoplankton dynamics in synthetic oceans', abstract: 'We simulate zyxoplankton blooms.',
    authors: ['Test Author'], categories: ['q-bio.PE'], published: '2026-11-20', updated: null, comments: null, journalRef: null, doi: null, license: null,
  };
  assert.equal(e.search('zyxoplankton').total, 0);
  ingestBatch(db, { papers: [paper] });
  assert.equal(e.sync(), 1);
  assert.equal(e.search('zyxoplankton').hits[0]?.id, paper.id);
  // An edit replaces the old text.
  ingestBatch(db, { papers: [{ ...paper, version: 2, title: 'Quxoplankton dynamics', abstract: 'We simulate quxoplankton blooms.' }] });
  e.sync();
  assert.equal(e.search('zyxoplankton').total, 0);
  assert.equal(e.search('quxoplankton').hits[0]?.id, paper.id);
  e.close(); // saves, with the new watermark
  const file = join(dir.path, 'search', 'minisearch.bin');
  assert.ok(existsSync(file));

  logs.length = 0;
  engines.minisearch = await openSearch(db, { engine: 'minisearch', dataDir: dir.path, log: (l) => logs.push(l) });
  assert.ok(logs.some((l) => /loaded snapshot/.test(l)), logs.join('\n'));
  assert.equal(engines.minisearch.search('quxoplankton').hits[0]?.id, paper.id);
  engines.minisearch.close();

  const bytes = readFileSync(file);
  writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
  logs.length = 0;
  engines.minisearch = await openSearch(db, { engine: 'minisearch', dataDir: dir.path, log: (l) => logs.push(l) });
  assert.ok(logs.some((l) => /unusable/.test(l)) && logs.some((l) => /built the index/.test(l)), logs.join('\n'));
  assert.equal(engines.minisearch.search('quxoplankton').hits[0]?.id, paper.id);

  writeFileSync(file, 'garbage');
  logs.length = 0;
  const again = await openSearch(db, { engine: 'minisearch', dataDir: dir.path, log: (l) => logs.push(l) });
  assert.ok(logs.some((l) => /unusable/.test(l)), logs.join('\n'));
  again.close();
});

test('fts5: rows written through the normal path are indexed by the triggers', () => {
  const e = engines.fts5;
  const paper: Paper = {
    id: '2611.99002', version: 1, title: 'Wibblefrost lattices', abstract: 'Wibblefrost appears at low temperature.',
    authors: ['Other Author'], categories: ['cond-mat.str-el'], published: '2026-11-21', updated: null, comments: null, journalRef: null, doi: null, license: null,
  };
  ingestBatch(db, { papers: [paper] });
  assert.equal(e.search('wibblefrost').hits[0]?.id, paper.id);
  assert.ok(e.sync() >= 1);
});

test('both engines: a query word finds its variants, exact matches first', () => {
  const base: Paper = {
    id: '2611.99010', version: 1, title: 'Frobnicator quantization at scale', abstract: 'Quantization of frobnicator weights.',
    authors: ['A'], categories: ['cs.LG'], published: '2026-11-22', updated: null, comments: null, journalRef: null, doi: null, license: null,
  };
  const exact: Paper = { ...base, id: '2611.99011', title: 'Quantized frobnicator weights', abstract: 'We study a quantized frobnicator.' };
  ingestBatch(db, { papers: [base, exact] });
  for (const name of ['minisearch', 'fts5'] as const) {
    const e = engines[name];
    e.sync();
    const r = e.search('frobnicator quantized');
    assert.deepEqual(r.hits.map((h) => h.id), ['2611.99011', '2611.99010'], name);
    assert.equal(r.total, 2, name);
  }
});

test('minisearch: phrases and hyphenated words match exactly the papers the reference semantics match', () => {
  const e = engines.minisearch;
  const all = getPapers(db, db.sqlite.prepare('SELECT id FROM papers').pluck().all() as string[]);
  const docs = all.map(docTerms);
  // The engine adds a compound's other spellings where the index holds them (search/compounds.ts); so does the reference.
  const papersWith = (w: string) => docs.filter((d) => d.title.includes(w) || d.abstract.includes(w) || d.authors.includes(w)).length;
  for (const q of ['"neural network"', 'self-supervised', '"state of the art"', 'ti:"language models"', '"dark matter" -"dark energy"', 'large-scale OR "phase transition"', 'pre-trained', 'fine tuning', 'out-of-distribution']) {
    const root = rewriteCompounds(parseQuery(q).root!, papersWith);
    const expected = all.filter((p) => docMatches(root, docTerms(p))).map((p) => p.id).sort();
    const { ids } = allIds(e, q);
    assert.deepEqual([...ids].sort(), expected, q);
    assert.ok(expected.length > 0 || q.includes('ti:'), `${q} should match something in the slice`);
  }
});

test('minisearch: a bounded sync splits one large change step and passes its seq only when every row is in', () => {
  const e = engines.minisearch as unknown as { sync(n?: number): number; engine: { watermark: number }; search: LocalSearchEngine['search'] };
  const papers: Paper[] = Array.from({ length: 120 }, (_, i) => ({
    id: `2611.9${String(2000 + i).padStart(4, '0')}`, version: 1, title: `Blorptastic widget number ${i}`, abstract: 'A blorptastic abstract.',
    authors: ['Slice Tester'], categories: ['cs.DL'], published: '2026-11-21', updated: null, comments: null, journalRef: null, doi: null, license: null,
  }));
  ingestBatch(db, { papers }); // one transaction, one seq
  const before = e.engine.watermark;
  assert.equal(e.sync(50), 50);
  assert.equal(e.engine.watermark, before, 'watermark held while the step is half done');
  assert.equal(e.search('blorptastic').total, 50);
  assert.equal(e.sync(50), 50);
  assert.equal(e.sync(50), 20);
  assert.ok(e.engine.watermark > before);
  assert.equal(e.sync(50), 0);
  assert.equal(e.search('blorptastic').total, 120);
});

test('minisearch: a same-stem variant added by a sync is found by a word asked before it existed', () => {
  const e = engines.minisearch as unknown as { sync(n?: number): number; search: LocalSearchEngine['search'] };
  e.sync();
  // The first query caches the variants of "quuxify" (none yet in the index).
  assert.equal(e.search('quuxify').total, 0);
  const paper: Paper = {
    id: '2611.93001', version: 1, title: 'Quuxified widgets', abstract: 'Widgets that were quuxified twice.',
    authors: ['Variant Tester'], categories: ['cs.DL'], published: '2026-11-21', updated: null, comments: null, journalRef: null, doi: null, license: null,
  };
  ingestBatch(db, { papers: [paper] });
  e.sync(20);
  assert.deepEqual(e.search('quuxify').hits.map((h) => h.id), ['2611.93001'], 'the new variant is seen, not the cached absence');
});

test('the search worker answers as the in-process engine, passes QueryErrors through, and saves on close', async () => {
  const local = engines.minisearch;
  const wdir = tempDir('search-worker-');
  let remote: SearchWorker | null = null;
  // The local index was updated in place by the tests above, the worker's is built fresh:
  // the same hits in the same order, scores equal but for the last bits of the field-length averages.
  const same = (a: SearchResult, b: SearchResult, what: string) => {
    assert.equal(a.total, b.total, what);
    assert.deepEqual(a.hits.map((h) => [h.id, h.terms]), b.hits.map((h) => [h.id, h.terms]), what);
    a.hits.forEach((h, k) => assert.ok(Math.abs(h.score - b.hits[k].score) <= 1e-9 * Math.abs(h.score), what));
  };
  try {
    const logs: string[] = [];
    remote = await SearchWorker.start({ dbPath: db.path, dataDir: wdir.path, engine: 'minisearch', log: (l) => logs.push(l) });
    assert.ok(logs.some((l) => /built the index/.test(l)), logs.join('\n'));
    const queries = ['dark matter', '"neural network" -graph', 'cat:astro-ph year:2024', 'ti:quantum OR au:smith'];
    for (const q of queries) same(await remote.search(q, { limit: 20 }), local.search(q, { limit: 20 }), q);
    // Calls in flight together each get their own answer.
    const together = await Promise.all(queries.map((q) => remote!.search(q, { limit: 20 })));
    together.forEach((r, k) => same(r, local.search(queries[k], { limit: 20 }), `concurrent ${queries[k]}`));
    const id = db.sqlite.prepare('SELECT id FROM papers LIMIT 1').pluck().get() as string;
    assert.deepEqual((await remote.related(id, 5))?.hits.map((h) => h.id), local.related(id, 5)?.hits.map((h) => h.id));
    same(await remote.search('dark', { within: new Set([id]), limit: 5 }), local.search('dark', { within: new Set([id]), limit: 5 }), 'within');
    await assert.rejects(remote.search('a'.repeat(5).split('').join(' OR ') + ' OR'.repeat(100) + ' "x'), (err: Error) => err.name === 'QueryError');
    await remote.close();
    assert.ok(existsSync(join(wdir.path, 'search', 'minisearch.bin')), 'snapshot saved by the worker');
    await assert.rejects(remote.search('dark'), /closed/);
  } finally {
    await remote?.close();
    wdir.cleanup();
  }
});

test('the search worker runs the fts5 engine too, its range threads started from that thread: the same answers as in process', async () => {
  const local = engines.fts5;
  const wdir = tempDir('search-worker-fts5-');
  let remote: SearchWorker | null = null;
  try {
    remote = await SearchWorker.start({ dbPath: db.path, dataDir: wdir.path, engine: 'fts5', fts5Shards: 2, log: () => {} });
    assert.equal(remote.name, 'fts5');
    const queries = ['dark matter', '"neural network" -graph', 'cat:astro-ph year:2024', 'ti:quantum OR au:smith', 'generalized quantization'];
    const view = (r: SearchResult) => ({ total: r.total, hits: r.hits.map((h) => [h.id, h.score, h.terms]) });
    for (const q of queries) assert.deepEqual(view(await remote.search(q, { limit: 20 })), view(local.search(q, { limit: 20 })), q);
    const together = await Promise.all(queries.map((q) => remote!.search(q, { offset: 3, limit: 7 })));
    together.forEach((r, k) => assert.deepEqual(view(r), view(local.search(queries[k], { offset: 3, limit: 7 })), `concurrent ${queries[k]}`));
    const id = db.sqlite.prepare('SELECT id FROM papers LIMIT 1').pluck().get() as string;
    assert.deepEqual((await remote.related(id, 5))?.hits.map((h) => h.id), local.related(id, 5)?.hits.map((h) => h.id));
    await assert.rejects(remote.search('a'.repeat(5).split('').join(' OR ') + ' OR'.repeat(100) + ' "x'), (err: Error) => err.name === 'QueryError');
    await remote.close();
  } finally {
    await remote?.close();
    wdir.cleanup();
  }
});

test('both engines: a wide OR holding a compound reaches every hit exactly once', () => {
  // "networking" also stands for the phrase "net working", so the OR is not one of plain words (minisearch's
  // general evaluation, whose candidates from thousands of postings are merged and sorted).
  const q = 'networking OR models OR results OR theory OR field';
  const seen: Record<string, Set<string>> = {};
  for (const name of ['minisearch', 'fts5'] as const) {
    const { ids, total } = allIds(engines[name], q);
    assert.ok(total > 1000, `${name}: ${total}`);
    assert.equal(ids.length, total, name);
    assert.equal(new Set(ids).size, total, `${name}: a paper twice`);
    seen[name] = new Set(ids);
  }
  // Papers with a word only as an inflection ("model") follow in minisearch; fts5 adds them only when the words as
  // typed find fewer than 100 papers. Every paper fts5 finds, minisearch finds.
  for (const id of seen.fts5) assert.ok(seen.minisearch.has(id), id);
});

test('minisearch: an OR fallback scored term at a time (plain words and compounds) gives the scores and tiers of scoring paper by paper', () => {
  const e = engines.minisearch;
  // Word sets whose AND finds nothing, so the OR fallback runs: as typed it takes the term-at-a-time path; with an
  // exclusion of a word no paper has, the fallback is an AND of that OR and the exclusion, scored paper by paper.
  const queries = [
    'quantum gravity cosmology supernova networking',
    'modelling graphs spectra pretrained fluids',
    'scattering amplitudes neutrinos lattices models',
    'black holes entropy networks theorem galaxies',
  ];
  let compared = 0;
  for (const q of queries) {
    const fast = e.search(q, { limit: 50 });
    // An OR: as many papers as any one word finds, or more (papers with only an inflection are listed below VARIANTS_BELOW).
    for (const w of q.split(' ')) assert.ok(fast.total >= Math.min(VARIANTS_BELOW, e.search(w, { limit: 0 }).total), `${q}: the OR fallback ran (${w})`);
    const slow = e.search(`${q} -zzqxvunseen`, { limit: 50 });
    assert.ok(fast.total > 50, `${q}: ${fast.total}`);
    assert.equal(slow.total, fast.total, q);
    assert.deepEqual(slow.hits.map((h) => [h.id, h.score]), fast.hits.map((h) => [h.id, h.score]), q);
    compared++;
  }
  assert.equal(compared, queries.length);
});
