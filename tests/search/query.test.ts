// Pure parts of search: tokenizer, query language, highlighter, keywords, posting lists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { words, terms, stem } from '../../search/tokenize.ts';
import { parseQuery, QueryError, passesFilters } from '../../search/query.ts';
import { highlight, markProse, splitMath, termMatcher } from '../../search/highlight.ts';
import { keywords } from '../../search/keywords.ts';
import { PostingList } from '../../search/postings.ts';
import { docMatches, docTerms } from '../../search/match.ts';
import { TermSequences, wordHash } from '../../search/sequences.ts';

test('tokenizer: TeX commands vanish, accents fold, hyphens split, ids stay whole', () => {
  assert.deepEqual(words('Self-Supervised $\\mathcal{O}(n^2)$ Bal\\\'azs Erdős'), ['self', 'supervised', 'o', 'n', '2', 'balazs', 'erdos']);
  assert.ok(!terms('We show $\\mathcal{O}(\\log n)$ bounds with \\emph{tight} constants', 'abstract').some((t) => /mathcal|emph|log$/.test(t) && t !== 'log'));
  assert.deepEqual(words('see arXiv:2405.01234 and hep-th/9901001, v3.5'), ['see', 'arxiv', '2405.01234', 'and', 'hep-th/9901001', 'v3', '5']);
  assert.deepEqual(words('state-of-the-art'), ['state', 'of', 'the', 'art']);
  assert.deepEqual(words("Bayes' rule, don't"), ['bayes', 'rule', 'dont']);
  // A possessive 's goes, as in FTS5's tokens ("lrm", "s"); a word that merely starts with s after an apostrophe stays joined.
  assert.deepEqual(words("An LRM's budget, Kendall’s tau, O'Sullivan"), ['an', 'lrm', 'budget', 'kendall', 'tau', 'osullivan']);
  assert.equal(stem('quantized'), stem('quantization'));
  // Stop words and lone formula letters are not index terms.
  assert.deepEqual(terms('The model of a system x', 'abstract'), ['model', 'system']);
});

test('tokenizer: a TeX accent before a long run of spaces costs linear time', () => {
  // Same-length texts: with the accent the regex must not backtrack over the spaces (it once took 90 ms against 1.6).
  const time = (text: string) => {
    let best = Infinity;
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      words(text);
      best = Math.min(best, performance.now() - t);
    }
    return best;
  };
  const spaces = ' '.repeat(20_000);
  // No letter after the spaces: the accent never completes, so a backtracking regex tries every split.
  const accent = time(`\\'${spaces}!`);
  const plain = time(`ab${spaces}!`);
  assert.ok(accent < plain * 5 + 2, `accent ${accent.toFixed(2)} ms, plain ${plain.toFixed(2)} ms`);
  assert.deepEqual(words("Bal\\'{ a}zs \\' e \\\"{o}"), ['balazs', 'e', 'o']);
});

test('query language parses into the documented tree', () => {
  const q = parseQuery('"exact phrase" -exclude ti:transformer au:Hinton cat:cs.LG cat:cs year:2024');
  assert.deepEqual(q.root, {
    kind: 'and',
    children: [
      { kind: 'phrase', words: ['exact', 'phrase'], field: null },
      { kind: 'not', child: { kind: 'term', word: 'exclude', field: null } },
      { kind: 'term', word: 'transformer', field: 'title' },
      { kind: 'term', word: 'hinton', field: 'authors' },
    ],
  });
  // cat:cs also covers what arXiv folds into it: the retired cmp-lg (now cs.CL) and math.IT (an alias of cs.IT).
  assert.deepEqual(q.filters, { categories: ['cs.lg', 'cs', 'cmp-lg', 'math.it'], excludedCategories: [], from: '2024-01-01', to: '2024-12-31' });
  assert.deepEqual(parseQuery('graph OR network pruning').root, {
    kind: 'and',
    children: [
      { kind: 'or', children: [{ kind: 'term', word: 'graph', field: null }, { kind: 'term', word: 'network', field: null }] },
      { kind: 'term', word: 'pruning', field: null },
    ],
  });
  assert.deepEqual(parseQuery('from:2024-05 to:2024-06-15').filters, { categories: [], excludedCategories: [], from: '2024-05-01', to: '2024-06-15' });
  for (const id of ['2405.01234', 'arXiv:2405.01234v2', 'https://arxiv.org/abs/2405.01234', 'hep-th/9901001']) {
    assert.ok(parseQuery(id).lookup, id);
  }
  assert.equal(parseQuery('https://arxiv.org/abs/hep-th/9901001v2').lookup?.id, 'hep-th/9901001');
  // Only stop words: nothing to search for, not an error.
  assert.equal(parseQuery('the of and').root, null);
});

test('query errors are QueryErrors with a message a reader can act on', () => {
  for (const [q, re] of [
    ['"unbalanced', /quote/],
    ['(a b', /parenthesis/],
    ['a b)', /parenthesis/],
    ['year:20x', /year/],
    ['from:2024-13', /month/],
    ['cat:!!', /cat/],
    ['graph OR -network', /OR/],
    ['x'.repeat(10_000), /too long/],
  ] as const) {
    assert.throws(() => parseQuery(q), (e: unknown) => e instanceof QueryError && re.test(e.message), q);
  }
});

test('fuzz: the parser either parses or throws QueryError, never anything else', () => {
  const alphabet = fc.constantFrom('a', 'b', 'x', ' ', '"', '(', ')', '-', ':', 'OR', 'ti:', 'cat:', 'year:', 'from:', '\u0000', 'é', '$', '\\', '2405.01234', 'to:');
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.array(alphabet, { maxLength: 40 }).map((xs) => xs.join(''))), (s) => {
      try {
        const q = parseQuery(s);
        assert.ok(q.root === null || typeof q.root === 'object');
      } catch (e) {
        if (!(e instanceof QueryError)) throw e;
      }
    }),
    { numRuns: 3000 },
  );
});

test('filters: archive matches its categories, dates are inclusive', () => {
  const f = parseQuery('cat:cs from:2024-05-01 to:2024-05-31').filters;
  assert.ok(passesFilters(f, ['stat.ML', 'cs.LG'], '2024-05-31'));
  assert.ok(!passesFilters(f, ['stat.ML'], '2024-05-10'));
  assert.ok(!passesFilters(f, ['cs.LG'], '2024-06-01'));
  assert.ok(!passesFilters(parseQuery('-cat:cs.CV x').filters, ['cs.LG', 'cs.CV'], '2024-01-01'));
});

/** Decodes the entities an escaper may use (named or numeric), and checks nothing else looks like a tag. */
function decoded(html: string): string {
  assert.ok(!/<(?!\/?mark>)/.test(html), `unescaped tag in ${html}`);
  return html.replace(/&(?:lt|gt|amp|quot|#39|#(\d+));/g, (e, n?: string) =>
    n ? String.fromCharCode(Number(n)) : ({ '&lt;': '<', '&gt;': '>', '&amp;': '&', '&quot;': '"', '&#39;': "'" } as Record<string, string>)[e],
  );
}

test('highlight: escapes, marks stemmed forms, never splits a formula', () => {
  const m = termMatcher(['quantized', 'attention']);
  assert.equal(decoded(markProse('Quantization of <attention> & more', m)), '<mark>Quantization</mark> of <<mark>attention</mark>> & more');
  const html = highlight('Attention costs $O(n^2 \\cdot attention)$ and \\(attention\\) but $$x<y$$ attention.', m);
  assert.equal(decoded(html), '<mark>Attention</mark> costs $O(n^2 \\cdot attention)$ and \\(attention\\) but $$x<y$$ <mark>attention</mark>.');
  // An unmatched dollar is prose.
  assert.deepEqual(splitMath('costs $5 for attention').map((s) => s.math), [false]);
  assert.equal(decoded(highlight('<script>alert(1)</script>', ['script'])), '<<mark>script</mark>>alert(1)</<mark>script</mark>>');
});

test('keywords: TF-IDF picks the distinctive words, deterministically', () => {
  const df = (t: string) => ({ model: 900, propos: 800, quantiz: 20, attent: 300, kernel: 40 })[t] ?? 500;
  const text = { title: 'Quantized attention kernels', abstract: 'We propose a model with quantized attention kernels. Quantization helps the model.' };
  const a = keywords(text, df, 1000, { count: 3 });
  assert.deepEqual(a.map((k) => k.term), ['quantiz', 'kernel', 'attent']);
  assert.equal(a[0].word, 'quantized');
  assert.deepEqual(keywords(text, df, 1000, { count: 3 }), a);
});

test('PostingList behaves like the Map MiniSearch expects', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom('set', 'delete'), fc.nat(300), fc.integer({ min: 1, max: 300 })), { maxLength: 200 }), (ops) => {
      const model = new Map<number, number>();
      const list = new PostingList();
      for (const [op, sid, tf] of ops) {
        if (op === 'set') {
          model.set(sid, Math.min(tf, 255));
          list.set(sid, tf);
        } else assert.equal(list.delete(sid), model.delete(sid));
      }
      assert.equal(list.size, model.size);
      assert.deepEqual([...list], [...model].sort((a, b) => a[0] - b[0]));
      for (const [sid, tf] of model) assert.equal(list.get(sid), tf);
      assert.equal(list.get(301), undefined);
    }),
    { numRuns: 300 },
  );
  // Deleting while iterating (MiniSearch's vacuum does) visits every entry once.
  const l = new PostingList();
  for (let i = 0; i < 10; i++) l.set(i, 1);
  const seen: number[] = [];
  for (const [sid] of l) {
    seen.push(sid);
    if (sid % 2 === 0) l.delete(sid);
  }
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(l.size, 5);
});

test('exact matching: phrases in order, fields respected', () => {
  const doc = docTerms({ title: 'Graph Neural Networks', abstract: 'We study state-of-the-art message passing.', authors: ['Ada Lovelace'] });
  assert.ok(docMatches(parseQuery('"state of the art"').root!, doc));
  assert.ok(docMatches(parseQuery('"message passing" ti:graph').root!, doc));
  assert.ok(!docMatches(parseQuery('"passing message"').root!, doc));
  assert.ok(!docMatches(parseQuery('ti:message').root!, doc));
  assert.ok(docMatches(parseQuery('au:lovelace -transformer').root!, doc));
});

test('TermSequences: records per paper, phrase lookups per field, deletes and reloads', () => {
  const h = (ws: string[]) => ws.map(wordHash);
  const seqs = new TermSequences();
  seqs.set(0, [h(['graph', 'neural', 'networks']), h(['message', 'passing', 'scales']), h(['ada', 'lovelace'])]);
  seqs.set(5, [h(['neural']), h(['networks', 'graph']), []]);
  const q = (ws: string[]) => Int32Array.from(ws, wordHash);
  assert.ok(seqs.contains(0, null, q(['neural', 'networks'])));
  assert.ok(seqs.contains(0, 0, q(['neural', 'networks'])));
  assert.ok(!seqs.contains(0, 1, q(['neural', 'networks'])), 'field respected');
  assert.ok(!seqs.contains(0, null, q(['networks', 'message'])), 'no match across fields');
  assert.ok(!seqs.contains(5, null, q(['neural', 'networks'])));
  assert.ok(seqs.contains(5, 1, q(['networks', 'graph'])));
  assert.ok(!seqs.contains(7, null, q(['graph'])), 'unknown paper');
  seqs.delete(0);
  assert.ok(!seqs.contains(0, null, q(['graph'])));
  assert.equal(seqs.size, 1);
  const copy = new TermSequences();
  for (const [sid, rec] of seqs.records()) copy.setRecord(sid, rec.slice());
  copy.trim();
  assert.ok(copy.contains(5, 1, q(['networks', 'graph'])));
  copy.set(6, [h(['after', 'trim']), [], []]);
  assert.ok(copy.contains(6, 0, q(['after', 'trim'])) && copy.contains(5, 0, q(['neural'])));
});
