// One query plan, two engines: on the same hand-made index, both engines
// find the same papers for every query form (random trees of words, phrases,
// ANDs, ORs and nested exclusions), and both fall back from AND to OR only
// when AND finds nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import fc from 'fast-check';
import { openDb, type Db } from '../../db/client.ts';
import { ingestBatch } from '../../db/queries.ts';
import type { Paper } from '../../db/paper.ts';
import { openSearch } from '../../search/index.ts';
import { QueryError } from '../../search/query.ts';
import type { LocalSearchEngine } from '../../search/types.ts';
import { planQuery } from '../../search/plan.ts';
import { rng, tempDir } from '../helpers.ts';

// Words with same-stem variants, compounds in three spellings, and stop words, so every rule of the plan is exercised.
const VOCAB = [
  'model', 'models', 'modeling', 'train', 'trained', 'training', 'graph', 'graphs', 'quantum', 'quantized', 'quantization',
  'network', 'networks', 'policy', 'policies', 'learning', 'learned', 'sparse', 'sparsity', 'kernel', 'kernels',
  'pre-trained', 'pretrained', 'pre trained', 'fine-tuning', 'finetuning', 'out-of-distribution', 'distribution',
  'state of the art', 'the', 'of', 'in', 'on', 'with',
];
const PAPERS = 80;

let dir: ReturnType<typeof tempDir>;
let db: Db;
const engines = {} as Record<'minisearch' | 'fts5', LocalSearchEngine>;

before(async () => {
  dir = tempDir('search-plan-');
  db = openDb(join(dir.path, 'papers.db'));
  const rnd = rng(17);
  const pick = () => VOCAB[Math.floor(rnd() * VOCAB.length)];
  const text = (n: number) => Array.from({ length: n }, pick).join(' ');
  const papers: Paper[] = Array.from({ length: PAPERS }, (_, i) => ({
    id: `2502.${String(20000 + i)}`, version: 1, title: text(4), abstract: `${text(12)}. ${text(8)}.`, authors: ['Plan Tester'],
    categories: ['cs.LG'], published: '2025-02-01', updated: null, comments: null, journalRef: null, doi: null, license: null,
  }));
  ingestBatch(db, { papers });
  engines.minisearch = await openSearch(db, { engine: 'minisearch', dataDir: dir.path });
  engines.fts5 = await openSearch(db, { engine: 'fts5', dataDir: dir.path });
});

after(() => {
  engines.minisearch?.close();
  engines.fts5?.close();
  db?.sqlite.close();
  dir?.cleanup();
});

type Outcome = { error: string } | { ids: string[]; total: number };

function run(e: LocalSearchEngine, q: string): Outcome {
  try {
    const r = e.search(q, { limit: PAPERS + 1 });
    return { ids: r.hits.map((h) => h.id).sort(), total: r.total };
  } catch (err) {
    if (err instanceof QueryError) return { error: 'QueryError' };
    throw err;
  }
}

/** Random query trees in the query language, nested exclusions included. */
const word = fc.constantFrom(...VOCAB.filter((w) => !w.includes(' ')));
const tree: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    word,
    fc.tuple(word, word).map(([a, b]) => `"${a} ${b}"`),
    fc.array(tie('node'), { minLength: 2, maxLength: 3 }).map((xs) => `(${xs.join(' ')})`),
    fc.array(tie('node'), { minLength: 2, maxLength: 3 }).map((xs) => `(${xs.join(' OR ')})`),
    tie('node').map((x) => `-${x.startsWith('(') || x.startsWith('"') ? x : `(${x})`}`),
  ),
})).node;

test('both engines find the same papers for random query trees, nested exclusions included', () => {
  fc.assert(
    fc.property(fc.array(tree, { minLength: 1, maxLength: 3 }), (parts) => {
      const q = parts.join(' ');
      const a = run(engines.minisearch, q);
      const b = run(engines.fts5, q);
      if (JSON.stringify(a) !== JSON.stringify(b)) {
        const only = (x: Outcome, y: Outcome) => ('ids' in x && 'ids' in y ? x.ids.filter((id) => !y.ids.includes(id)) : x);
        const text = (ids: unknown) => (Array.isArray(ids) ? ids.map((id) => db.sqlite.prepare('SELECT title || " | " || abstract FROM papers WHERE id = ?').pluck().get(id)) : ids);
        assert.fail(`${q}: only minisearch ${JSON.stringify(text(only(a, b)))}; only fts5 ${JSON.stringify(text(only(b, a)))}`);
      }
    }),
    { numRuns: 300, seed: 161 },
  );
});

/** Queries as readers type them: words (compounds among them), quoted phrases, ORs of words and exclusions, side by side. */
const phrase = fc.tuple(word, word).map(([a, b]) => `"${a} ${b}"`);
const typed = fc
  .array(fc.oneof(word, phrase, fc.array(word, { minLength: 2, maxLength: 3 }).map((xs) => `(${xs.join(' OR ')})`), word.map((w) => `-${w}`), phrase.map((p) => `-${p}`)), { minLength: 1, maxLength: 5 })
  .map((parts) => parts.join(' '));

/** The ids in order, each run of scores equal to 1e-9 (the engines sum in different orders) by id. */
function ranked(e: LocalSearchEngine, q: string): string[] {
  const out: string[] = [];
  let tie: string[] = [];
  let last = NaN;
  for (const h of e.search(q, { limit: PAPERS + 1 }).hits) {
    if (!(Math.abs(h.score - last) <= 1e-9 * Math.abs(h.score))) out.push(...tie.sort()), (tie = []);
    tie.push(h.id);
    last = h.score;
  }
  return [...out, ...tie.sort()];
}

test('both engines list the same papers in the same order, scores alike, for queries as readers type them', () => {
  fc.assert(
    fc.property(typed, (q) => {
      const a = run(engines.minisearch, q);
      if ('error' in a) return;
      assert.deepEqual(ranked(engines.minisearch, q), ranked(engines.fts5, q), q);
    }),
    { numRuns: 400, seed: 162 },
  );
});

test('an exclusion only removes papers: the others keep their scores, in both engines', () => {
  const positive = fc.array(fc.oneof(word, phrase, fc.array(word, { minLength: 2, maxLength: 3 }).map((xs) => `(${xs.join(' OR ')})`)), { minLength: 2, maxLength: 4 });
  fc.assert(
    fc.property(positive, word, (parts, x) => {
      const q = parts.join(' ');
      for (const e of Object.values(engines)) {
        const all = new Map(e.search(q, { limit: PAPERS + 1 }).hits.map((h) => [h.id, h.score]));
        // Unless the exclusion left the AND empty (then the OR fallback ranks other papers) or removed nothing.
        const fewer = e.search(`${q} -${x}`, { limit: PAPERS + 1 });
        if (!fewer.hits.length || fewer.hits.length >= all.size || fewer.hits.some((h) => !all.has(h.id))) continue;
        for (const h of fewer.hits) assert.ok(Math.abs(h.score - (all.get(h.id) ?? NaN)) <= 1e-9 * h.score, `${e.name}: ${q} -${x}: ${h.id} ${h.score} vs ${all.get(h.id)}`);
      }
    }),
    { numRuns: 300, seed: 163 },
  );
});

test('AND falls back to OR only when AND finds nothing, the same on both engines (quantum zzqxv)', () => {
  for (const e of Object.values(engines)) {
    const both = e.search('quantum zzqxv', { limit: PAPERS });
    const alone = e.search('quantum', { limit: PAPERS });
    assert.equal(e.search('zzqxv').total, 0, e.name);
    assert.ok(alone.total > 0, e.name);
    // Nothing has both words, so the OR fallback gives the papers with "quantum".
    assert.deepEqual(both.hits.map((h) => h.id).sort(), alone.hits.map((h) => h.id).sort(), e.name);
    assert.equal(both.suggestion, null, `${e.name}: zzqxv is nothing like any word`);
    // With an AND match there is no fallback: fewer papers than either word alone.
    const and = e.search('quantum kernel', { limit: PAPERS });
    assert.ok(and.total > 0 && and.total < e.search('quantum OR kernel', { limit: PAPERS }).total, e.name);
  }
  const plan = planQuery('quantum zzqxv', { andFirst: true }, () => () => 0);
  assert.equal(plan.first?.kind, 'and');
  assert.equal(plan.fallback?.kind, 'or');
  assert.equal(planQuery('quantum', { andFirst: true }, () => () => 0).fallback, null);
});

test('a closed word is also looked for as its spaced spelling only when some paper has it; each spelling is asked once', () => {
  const asked: string[] = [];
  const occurs = (words: readonly string[]) => {
    asked.push(words.join(' '));
    return words.join(' ') === 'pre trained';
  };
  // Every word but the two typed words run together is indexed, so each closed word has a cut; only "pre trained" is in some paper.
  const docs = () => (w: string) => (w === 'pretrainednetworking' ? 0 : 5);
  const plan = planQuery('pretrained networking', { andFirst: true }, docs, occurs);
  const phrases = (n: unknown) => JSON.stringify(n).match(/"kind":"phrase","words":\[[^\]]*\]/g) ?? [];
  assert.deepEqual(phrases(plan.first), ['"kind":"phrase","words":["pre","trained"]']);
  assert.deepEqual(phrases(plan.fallback), phrases(plan.first), 'the OR fallback spells the same');
  assert.deepEqual(asked.sort(), ['net working', 'pre trained'], 'asked once each, for the fallback too');
  // Without the question every cut is kept (the same results, at more cost).
  const all = planQuery('pretrained networking', { andFirst: true }, docs);
  assert.equal(phrases(all.first).length, 2);
});
