// The in-process engine: MiniSearch with our tokenizer, stop words and
// stemming, fed from SQLite rows above a watermark. Phrases are confirmed
// against each paper's stored word sequence (MiniSearch keeps no positions),
// filters run on two tiny stored fields (date, categories). MiniSearch holds
// the index; building, saving, loading and query evaluation are ours, on its
// private members (search/ms-internals.ts names them and checks the version).
import MiniSearch from 'minisearch';
import type { Db } from '../db/client.ts';
import { getPaper, maxSeq, nthChangeAfter, papersChangedSince } from '../db/queries.ts';
import type { Paper } from '../db/paper.ts';
import { sortDateOf } from '../db/paper.ts';
import type { LocalSearchEngine, RelatedResult, SearchHit, SearchOptions, SearchResult } from './types.ts';
import { passesFilters, hasFilters, type Field, type ParsedQuery, type QueryNode } from './query.ts';
import { compileMatch, containsPhrase, phraseSequence, phraseTerms } from './match.ts';
import { inflectionPrefix } from './inflections.ts';
import { listOnlyTyped, planQuery, variantsOf, TIERED_VARIANTS, VARIANT_WEIGHT, type VariantRule } from './plan.ts';
import { suggestQuery, type Lexicon } from './suggest.ts';
import { TermSequences, wordHash } from './sequences.ts';
import { PhraseMatcher, phraseDocs, type PhraseSource } from './ms-phrase.ts';
import { VersionedMap } from './versioned-map.ts';
import { keywords, type Keyword } from './keywords.ts';
import { isSequenced, stem, termOf, unicode61Length, words } from './tokenize.ts';
import { changedSince } from './rows.ts';
import { addPrepared, assemble, termPostings, viewOf, type DocEntry, type FieldPostings, type IndexView, type PreparedField } from './ms-internals.ts';
import { PostingList } from './postings.ts';
import { Accumulator, AllMatcher, AndMatcher, CheckedMatcher, CompoundMatcher, OrMatcher, TermMatcher, evaluate, evaluateOr, scoreContext, type Bm25, type Matcher, type Scored, type Variant } from './ms-eval.ts';

export interface MiniSearchTuning {
  /**
   * The index holds words as written (folded); with stemming on, a query word
   * also matches its inflections in the index ("quantized" finds
   * "quantization"; search/inflections.ts), each occurrence counting
   * `variantWeight` of the typed form's.
   */
  useStem: boolean;
  variantWeight: number;
  /**
   * true (default, search/plan.ts TIERED_VARIANTS): papers that the words
   * as typed do not satisfy (some word only as an inflection) rank after
   * all papers they do, and only while those are fewer than VARIANTS_BELOW. false: a word and its inflections are one BM25 term (their
   * weighted frequencies summed, one document frequency, search/plan.ts groupDocs).
   */
  tieredVariants?: boolean;
  /** Which same-stem words are variants (search/plan.ts VariantRule); default inflections. */
  variantRule?: VariantRule;
  boost: { title: number; abstract: number; authors: number };
  /**
   * true: bare words must all match, and only when no paper has them all are
   * they joined by OR; false: always OR (ranked by BM25 times words matched).
   */
  andFirst: boolean;
  bm25: Bm25;
  /** Compounds in all their spellings (search/compounds.ts); default on. */
  compounds?: boolean;
}

/** Chosen by `npm run bench:search` (known-item MRR@10 on the real corpus); see BENCHMARKS.md. */
export const DEFAULT_TUNING: MiniSearchTuning = {
  useStem: true,
  variantWeight: VARIANT_WEIGHT,
  tieredVariants: TIERED_VARIANTS,
  boost: { title: 1, abstract: 1, authors: 1 },
  andFirst: true,
  // BM25F as in FTS5's bm25(): +0.006 MRR over MiniSearch's per-field sum on 1,000 tuning queries.
  bm25: { k: 1.2, b: 0.75, d: 0, fielded: true },
};

export interface IndexDoc {
  id: string;
  title: string;
  abstract: string;
  authors: string;
  /** Sort date, `YYYY-MM-DD` or `YYYY-MM`. */
  d: string;
  /** Categories, lower case, space separated. */
  c: string;
}

interface Stored {
  d: string;
  c: string;
}

const FIELDS = ['title', 'abstract', 'authors'] as const;
const FIELD_IDS = { title: 0, abstract: 1, authors: 2 } as const;
const ALL_FIELD_IDS = Object.values(FIELD_IDS);

/** A phrase's words as the stored sequences hold them (stop words inside it kept), for TermSequences.contains. */
const phraseHashes = (words: readonly string[]): Int32Array => Int32Array.from(phraseSequence(words), wordHash);

export function indexDoc(p: Paper): IndexDoc {
  return {
    id: p.id,
    title: p.title,
    abstract: p.abstract,
    authors: p.authors.join(', '),
    d: sortDateOf(p),
    c: p.categories.map((c) => c.toLowerCase()).join(' '),
  };
}

export function miniSearchOptions(tuning: MiniSearchTuning) {
  return {
    fields: [...FIELDS],
    storeFields: ['d', 'c'],
    tokenize: (text: string) => words(text),
    processTerm: (term: string) => termOf(term, 'abstract', false),
    searchOptions: {
      // Queries arrive as index terms already (compiled from the parsed tree).
      tokenize: (text: string) => [text],
      processTerm: (term: string) => term,
      boost: tuning.boost,
      bm25: tuning.bm25,
    },
  };
}

export class MiniSearchEngine implements LocalSearchEngine {
  readonly name = 'minisearch' as const;
  watermark: number;
  private closed = false;
  private readonly view: IndexView;
  private readonly all: AllMatcher;
  private readonly acc = new Accumulator();
  /** Rows read for a bounded sync and not all indexed yet (see sync). */
  private pending: { upto: number; rows: Paper[]; next: number } | null = null;
  /** Variants per query word; new papers can bring new variants, so a sync that changes anything clears it. */
  private readonly variantCache = new Map<string, Variant[]>();
  /** The cached words of each stem, so a new index term drops only the entries it changes. */
  private readonly cachedByStem = new Map<string, string[]>();
  /** Papers per phrase (by field and words), counted once between changes: the count is a pass over the words' papers. */
  private readonly phraseDocCache = new VersionedMap<string, number>(10_000);

  constructor(
    private readonly db: Db,
    readonly ms: MiniSearch<IndexDoc>,
    readonly sequences: TermSequences,
    watermark: number,
    readonly tuning: MiniSearchTuning = DEFAULT_TUNING,
  ) {
    this.watermark = watermark;
    this.view = viewOf(ms);
    this.all = new AllMatcher(this.view);
  }

  /** Builds the whole index from the database. */
  static build(db: Db, tuning: MiniSearchTuning = DEFAULT_TUNING, batch = 5000): MiniSearchEngine {
    // The watermark is read first: rows written while we build are seen again by the next sync.
    const top = maxSeq(db);
    const { ms, sequences } = bulkIndex(
      (function* () {
        for (const rows of changedSince(db, 0, batch, top)) yield* rows;
      })(),
      tuning,
    );
    return new MiniSearchEngine(db, ms, sequences, top, tuning);
  }

  get size(): number {
    return this.ms.documentCount;
  }

  private upsert(papers: readonly Paper[]): void {
    let discarded = false;
    for (const p of papers) {
      // discard() is lazy in MiniSearch 7: no need for the old text.
      const old = this.view.shortIdOf(p.id);
      if (old !== undefined) {
        this.ms.discard(p.id);
        this.view.forget(old);
        this.sequences.delete(old);
        discarded = true;
      }
      const d = prepareDoc(p);
      const sid = addPrepared(this.ms, d.doc.id, { d: d.doc.d, c: d.doc.c }, d.fields, this.onNewTerm);
      this.sequences.set(sid, d.sequences);
    }
    // A discard may drop a term from the tree: start the variants afresh.
    if (discarded) this.clearVariants();
  }

  /** A term new to the index is a new same-stem variant of the cached words with its stem. */
  private readonly onNewTerm = (term: string): void => {
    if (!this.variantCache.size || !/^\p{L}+$/u.test(term)) return;
    const s = stem(term);
    for (const word of this.cachedByStem.get(s) ?? []) this.variantCache.delete(word);
    this.cachedByStem.delete(s);
  };

  private clearVariants(): void {
    this.variantCache.clear();
    this.cachedByStem.clear();
  }

  /**
   * Indexes rows changed above the watermark: all of them, or at most
   * `maxRows` so a server can serve requests between slices. A change step
   * (one import batch shares one seq) larger than that is read once and
   * indexed over several calls; the watermark passes it when all its rows are in.
   */
  sync(maxRows = Infinity): number {
    if (this.closed) return 0;
    if (!this.pending) {
      const top = maxSeq(this.db);
      if (top <= this.watermark) return 0;
      if (!Number.isFinite(maxRows)) {
        let n = 0;
        for (const rows of changedSince(this.db, this.watermark, 5000, top)) {
          this.upsert(rows);
          n += rows.length;
        }
        this.watermark = top;
        return n;
      }
      const at = nthChangeAfter(this.db, this.watermark, Math.floor(maxRows));
      const upto = at === null ? top : Math.min(top, at);
      this.pending = { upto, rows: [...papersChangedSince(this.db, this.watermark, upto)], next: 0 };
    }
    const p = this.pending;
    const slice = p.rows.slice(p.next, p.next + Math.max(1, Math.floor(maxRows)));
    p.next += slice.length;
    this.upsert(slice);
    if (p.next >= p.rows.length) {
      this.watermark = p.upto;
      this.pending = null;
    }
    return slice.length;
  }

  private fieldBoosts(field: Field | null): Map<number, number> {
    if (field) return new Map([[FIELD_IDS[field], 1]]);
    const b = this.tuning.boost;
    return new Map([
      [FIELD_IDS.title, b.title],
      [FIELD_IDS.abstract, b.abstract],
      [FIELD_IDS.authors, b.authors],
    ]);
  }

  private term(word: string, field: Field | null, boost = 1): TermMatcher | null {
    const t = termOf(word, field ?? 'abstract', false);
    return t ? this.matcher(t, field, boost) : null;
  }

  private matcher(term: string, field: Field | null, boost = 1): TermMatcher {
    return new TermMatcher(term, this.view, this.fieldBoosts(field), this.tuning.bm25, boost, this.variants(term), !this.tiered);
  }

  /** The word itself, plus its inflections in the index (found by the stem's prefix in the radix tree; search/plan.ts variantsOf). */
  variants(word: string): Variant[] {
    const cached = this.variantCache.get(word);
    if (cached) return cached;
    const out = this.findVariants(word);
    if (this.variantCache.size >= 50_000) this.clearVariants();
    this.variantCache.set(word, out);
    const s = stem(word);
    const words = this.cachedByStem.get(s);
    if (words) words.push(word);
    else this.cachedByStem.set(s, [word]);
    return out;
  }

  private findVariants(word: string): Variant[] {
    if (!this.tuning.useStem || !/^\p{L}+$/u.test(word)) return [{ term: word, weight: 1 }];
    const s = stem(word);
    const prefix = inflectionPrefix(word);
    if (prefix === null) return [{ term: word, weight: 1 }];
    const candidates: [string, number][] = [];
    for (const t of this.view.termsWithPrefix(prefix)) {
      if (t !== word && stem(t) === s) candidates.push([t, this.papersWith(t)]);
    }
    return variantsOf(word, candidates, this.tuning.variantWeight, this.tuning.variantRule);
  }

  /** Compiles a query tree; `terms` collects the positive term matchers (for per-hit highlight terms). */
  private compile(node: QueryNode, terms: TermMatcher[], positive: boolean): Matcher | null {
    switch (node.kind) {
      case 'term': {
        const m = this.term(node.word, node.field);
        if (m && positive) terms.push(m);
        return m;
      }
      case 'phrase': {
        const hashes = phraseHashes(node.words);
        if (hashes.length < 2 || !this.tuning.bm25.fielded) {
          // All words present here; their order is confirmed against the text afterwards.
          const parts = phraseTerms(node.words, node.field, false).map((t) => this.matcher(t, node.field));
          if (!parts.length) return null;
          if (positive) terms.push(...parts);
          const words = parts.length === 1 ? parts[0] : new AndMatcher(parts, [], this.all);
          if (positive || hashes.length < 2) return words;
          // Left out by its words in order, so an exclusion never drops a paper that merely has the words.
          const field = node.field === null ? null : FIELD_IDS[node.field];
          return new CheckedMatcher(words, (sid) => this.sequences.contains(sid, field, hashes));
        }
        const src = this.phraseSource(node.words, node.field, hashes);
        if (!src) return null;
        if (positive) terms.push(...src.parts);
        return new PhraseMatcher(src, this.tuning.bm25, this.phraseDocs(src, node));
      }
      case 'or': {
        if (node.compound) {
          // Each spelling's phrase is checked here, so the compound needs no confirm pass.
          const kids = node.children.flatMap((c) => {
            const m = this.compile(c, terms, positive);
            if (!m || c.kind !== 'phrase' || m instanceof PhraseMatcher || m instanceof CheckedMatcher) return m ? [m] : [];
            const hashes = phraseHashes(c.words);
            const field = c.field === null ? null : FIELD_IDS[c.field];
            return hashes.length > 1 ? [new CheckedMatcher(m, (sid) => this.sequences.contains(sid, field, hashes))] : [m];
          });
          return kids.length ? new CompoundMatcher(kids) : null;
        }
        const kids = node.children.map((c) => this.compile(c, terms, positive)).filter((m): m is Matcher => m !== null);
        return kids.length ? (kids.length === 1 ? kids[0] : new OrMatcher(kids)) : null;
      }
      case 'and': {
        const pos: Matcher[] = [];
        const neg: Matcher[] = [];
        for (const c of node.children) {
          if (c.kind === 'not') {
            const m = this.compile(c.child, terms, !positive);
            if (m) neg.push(m);
          } else {
            const m = this.compile(c, terms, positive);
            // A part that can match nothing makes the whole AND match nothing.
            if (!m) return null;
            pos.push(m);
          }
        }
        return new AndMatcher(pos, neg, this.all);
      }
      case 'not': {
        const inner = this.compile(node.child, terms, !positive);
        return new AndMatcher([], inner ? [inner] : [], this.all);
      }
    }
  }

  private accept(parsed: ParsedQuery, within?: ReadonlySet<string>): ((sid: number) => boolean) | undefined {
    const f = parsed.filters;
    const filtering = hasFilters(f);
    if (!filtering && !within) return undefined;
    const v = this.view;
    return (sid) => {
      if (within && !within.has(v.idOf(sid)!)) return false;
      if (!filtering) return true;
      const s = v.stored(sid) as unknown as Stored | undefined;
      return !!s && passesFilters(f, s.c.split(' '), s.d);
    };
  }

  /** Papers holding the word in any field (what rewriteCompounds asks). */
  private papersWith(word: string): number {
    return this.view.papersWith(word, ALL_FIELD_IDS);
  }

  /**
   * Whether some live paper has these words in a row, in any field, as a
   * compound's spelling is matched (rewriteCompounds asks): the papers
   * holding every word (from the rarest one's postings) until one's text has
   * them in a row.
   */
  private phraseOccurs(words: readonly string[]): boolean {
    const hashes = phraseHashes(words);
    if (hashes.length < 2) return true;
    // Counted whole (not up to the first paper): the spelling is then scored with this count.
    const src = this.phraseSource(words, null, hashes);
    return !!src && this.phraseDocs(src, { kind: 'phrase', words: [...words], field: null }) > 0;
  }

  /** What a phrase of several words is matched against (ms-phrase.ts), or null when it has no indexed word. */
  private phraseSource(words: readonly string[], field: Field | null, hashes: Int32Array): (PhraseSource & { parts: TermMatcher[] }) | null {
    const boosts = this.fieldBoosts(field);
    // The words as typed: a phrase matches no inflection.
    const parts = phraseTerms(words, field, false).map((t) => new TermMatcher(t, this.view, boosts, this.tuning.bm25));
    if (!parts.length) return null;
    const all = parts.length === 1 ? parts[0] : new AndMatcher(parts, [], this.all);
    return { words: all, hashes, sequences: this.sequences, boosts, view: this.view, parts };
  }

  /** Papers holding a phrase, kept until the index changes. */
  private phraseDocs(src: PhraseSource, node: Extract<QueryNode, { kind: 'phrase' }>): number {
    this.phraseDocCache.keepFor(this.view.version);
    const key = `${node.field ?? ''}:${node.words.join(' ')}`;
    let n = this.phraseDocCache.get(key);
    if (n === undefined) {
      n = phraseDocs(src);
      this.phraseDocCache.set(key, n);
    }
    return n;
  }

  /** Whether papers with only inflections of some word rank after the rest (the earlier rule; see MiniSearchTuning). */
  private get tiered(): boolean {
    return this.tuning.tieredVariants ?? TIERED_VARIANTS;
  }

  private run(parsed: ParsedQuery, root: QueryNode, within: ReadonlySet<string> | undefined, terms: TermMatcher[]): Scored[] {
    const accept = this.accept(parsed, within);
    let results: Scored[];
    if (root.kind === 'or' && root.children.every((c) => c.kind === 'term' || (c.kind === 'or' && c.compound))) {
      const ms = root.children
        .map((c) => this.compile(c, terms, true))
        .filter((m): m is TermMatcher | CompoundMatcher => m instanceof TermMatcher || m instanceof CompoundMatcher);
      results = evaluateOr(ms, this.view, this.acc, accept, this.tiered);
    } else {
      const m = this.compile(root, terms, true);
      results = m ? evaluate(m, this.view, accept, this.tiered) : [];
    }
    // A phrase is confirmed as it is scored (PhraseMatcher, CheckedMatcher), unless scored as its words alone.
    if (!this.tuning.bm25.fielded && containsPhrase(root, true)) results = this.confirm(root, results);
    // Enough papers with the words as typed: those alone, as fts5 lists them (search/plan.ts VARIANTS_BELOW).
    if (this.tiered && this.tuning.useStem && listOnlyTyped(results.reduce((n, r) => n + (r.tier === 0 ? 1 : 0), 0))) {
      results = results.filter((r) => r.tier === 0);
    }
    return results;
  }

  /** Keeps the results whose words really satisfy the tree (phrases in order), from the stored sequences. */
  private confirm(root: QueryNode, results: Scored[]): Scored[] {
    // Words are checked in the index (with their same-stem variants), phrases in the stored sequences.
    const test = compileMatch(root, (leaf) => ({
      field: leaf.field === null ? null : FIELD_IDS[leaf.field],
      hashes: leaf.phrase ? Int32Array.from(leaf.sequence, wordHash) : null,
      word: leaf.phrase ? null : this.term(leaf.terms[0], leaf.field),
    }));
    const seqs = this.sequences;
    const ctx = scoreContext();
    return results.filter((r) =>
      test((leaf) => (leaf.hashes ? seqs.contains(r.sid, leaf.field, leaf.hashes) : !!leaf.word && leaf.word.score(r.sid, ctx) >= 0)),
    );
  }

  search(query: string, options: SearchOptions = {}): SearchResult {
    const plan = planQuery(query, this.tuning, () => (w) => this.papersWith(w), (words) => this.phraseOccurs(words));
    const parsed = plan.parsed;
    const offset = Math.max(0, options.offset ?? 0);
    const limit = Math.max(0, options.limit ?? 20);
    if (!parsed.root && !hasFilters(parsed.filters)) return { total: 0, hits: [], highlightTerms: [] };
    let terms: TermMatcher[] = [];
    let results: Scored[];
    if (!plan.first) {
      // Filters only: newest first.
      results = evaluate(this.all, this.view, this.accept(parsed, options.within));
      const date = (sid: number) => (this.view.stored(sid) as unknown as Stored).d;
      results.sort((a, b) => (date(a.sid) < date(b.sid) ? 1 : date(a.sid) > date(b.sid) ? -1 : a.sid - b.sid));
    } else {
      results = this.run(parsed, plan.first, options.within, terms);
      if (!results.length && plan.fallback) {
        terms = [];
        results = this.run(parsed, plan.fallback, options.within, terms);
      }
      results.sort((a, b) => a.tier - b.tier || b.score - a.score || a.sid - b.sid);
    }
    if (parsed.lookup) {
      const sid = this.view.shortIdOf(parsed.lookup.id);
      const at = sid === undefined ? -1 : results.findIndex((r) => r.sid === sid);
      if (at > 0) results.unshift(results.splice(at, 1)[0]);
      else if (at < 0 && sid !== undefined && (!options.within || options.within.has(parsed.lookup.id))) {
        results.unshift({ sid, score: 0, tier: 0 });
      }
    }
    const surface = surfaceOf(parsed.highlightWords, false);
    const ctx = scoreContext();
    const hits: SearchHit[] = results.slice(offset, offset + limit).map((r) => ({
      id: this.view.idOf(r.sid)!,
      score: r.score,
      terms: [...new Set(terms.filter((t) => t.score(r.sid, ctx) >= 0).flatMap((t) => surface.get(t.term) ?? [t.term]))],
    }));
    const suggestion = suggestQuery(query, parsed, this.lexicon, results.length);
    return { total: results.length, hits, highlightTerms: parsed.highlightWords, suggestion };
  }

  /** The vocabulary as suggestions ask it: paper counts and the words a typo or two away. */
  private readonly lexicon: Lexicon = {
    docs: (w) => this.papersWith(w),
    near: (w, max) => [...this.view.termsNear(w, max)].map(([t, [fp]]) => [t, Math.max(0, ...[...fp.values()].map((m) => m.size))] as [string, number]),
  };

  private relatedBy(kw: Keyword[], size: number, exclude: string | null): RelatedResult {
    if (!kw.length) return { terms: [], hits: [] };
    // MiniSearch's per-field BM25 sum, as related papers were measured with (BENCHMARKS.md, Search).
    const bm25 = { ...this.tuning.bm25, fielded: false };
    const matchers = kw.map((k) => new TermMatcher(k.term, this.view, this.fieldBoosts(null), bm25, k.weight));
    const self = exclude === null ? undefined : this.view.shortIdOf(exclude);
    // Scores times the keywords matched, as MiniSearch ranks (related papers were measured so).
    const results = evaluateOr(matchers, this.view, this.acc, self === undefined ? undefined : (sid) => sid !== self, true, true);
    // Ties broken by id so the same paper always gets the same list.
    const top = topK(results, size, (a, b) => b.score - a.score || (this.view.idOf(a.sid)! < this.view.idOf(b.sid)! ? -1 : 1));
    const ctx = scoreContext();
    const surface = new Map(kw.map((k) => [k.term, k.word]));
    return {
      terms: kw.map((k) => k.word),
      hits: top.map((r) => ({
        id: this.view.idOf(r.sid)!,
        score: r.score,
        terms: matchers.filter((m) => m.score(r.sid, ctx) >= 0).map((m) => surface.get(m.term) ?? m.term),
      })),
    };
  }

  /** Papers whose title or abstract has the term (the larger of the two lists; close enough for IDF). */
  docFreq(term: string): number {
    const p = termPostings(this.ms, term);
    if (!p) return 0;
    return Math.max(p.get(FIELD_IDS.title)?.size ?? 0, p.get(FIELD_IDS.abstract)?.size ?? 0);
  }

  related(id: string, size: number): RelatedResult | null {
    const p = getPaper(this.db, id);
    if (!p) return null;
    const kw = keywords(p, (t) => this.docFreq(t), this.ms.documentCount, { useStem: false });
    return this.relatedBy(kw, size, p.id);
  }

  relatedText(text: string, size: number): RelatedResult {
    const kw = keywords({ title: '', abstract: text }, (t) => this.docFreq(t), this.ms.documentCount, {
      useStem: false,
      minDf: 1,
    });
    return this.relatedBy(kw, size, null);
  }

  close(): void {
    this.closed = true;
  }
}

/** Index term -> the words the reader typed for it. */
export function surfaceOf(queryWords: readonly string[], useStem: boolean): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const w of queryWords) {
    const t = termOf(w, 'abstract', useStem);
    if (!t) continue;
    const list = m.get(t) ?? [];
    if (!list.includes(w)) list.push(w);
    m.set(t, list);
  }
  return m;
}

/** A paper tokenized once for every structure that holds it: postings, field lengths, word sequences. */
interface PreparedDoc {
  doc: IndexDoc;
  fields: PreparedField[];
  sequences: number[][];
}

/** Tokenizes as miniSearchOptions() tells MiniSearch to (words, then termOf unstemmed); lengths as FTS5's bm25() counts them. */
function prepareDoc(p: Paper): PreparedDoc {
  const doc = indexDoc(p);
  const fields: PreparedField[] = [];
  const sequences: number[][] = [];
  for (const field of FIELDS) {
    const tokens = words(doc[field]);
    const freqs = new Map<string, number>();
    const seq: number[] = [];
    for (const tok of tokens) {
      const t = termOf(tok, 'abstract', false);
      // Stop words are not indexed but stay in the sequence, so phrases and
      // compounds ("out-of-distribution") keep them.
      if (!t) {
        if (isSequenced(tok)) seq.push(wordHash(tok));
        continue;
      }
      freqs.set(t, (freqs.get(t) ?? 0) + 1);
      seq.push(wordHash(t));
    }
    // The length FTS5's bm25() uses, so both engines normalize alike.
    fields.push({ fieldId: FIELD_IDS[field], length: unicode61Length(doc[field]), freqs });
    sequences.push(seq);
  }
  return { doc, fields, sequences };
}

/**
 * A MiniSearch index over papers, the structures MiniSearch.add() would build
 * (same terms and frequencies; field lengths as FTS5 counts them, see
 * prepareDoc) but in plain hash maps first.
 */
export function bulkIndex(papers: Iterable<Paper>, tuning: MiniSearchTuning): { ms: MiniSearch<IndexDoc>; sequences: TermSequences } {
  const options = miniSearchOptions(tuning);
  const sequences = new TermSequences();
  const postings = new Map<string, FieldPostings>();
  const docs: DocEntry[] = [];
  const lengthSums = [0, 0, 0];
  let shortId = 0;
  for (const p of papers) {
    const d = prepareDoc(p);
    const sid = shortId++;
    const lengths = [0, 0, 0];
    for (const f of d.fields) {
      lengths[f.fieldId] = f.length;
      lengthSums[f.fieldId] += f.length;
      for (const [t, n] of f.freqs) {
        let fp = postings.get(t);
        if (!fp) postings.set(t, (fp = new Map()));
        let m = fp.get(f.fieldId);
        if (!m) fp.set(f.fieldId, (m = new PostingList()));
        m.set(sid, n);
      }
    }
    docs.push({ shortId: sid, id: d.doc.id, stored: { d: d.doc.d, c: d.doc.c }, fieldLength: lengths });
    sequences.set(sid, d.sequences);
  }
  const n = shortId;
  for (const fp of postings.values()) for (const m of fp.values()) m.trim();
  const ms = assemble<IndexDoc>(
    options,
    {
      documentCount: n,
      nextId: n,
      fieldIds: { ...FIELD_IDS },
      averageFieldLength: lengthSums.map((s) => (n ? s / n : 0)),
      dirtCount: 0,
    },
    docs,
    postings,
  );
  sequences.trim();
  return { ms, sequences };
}

/** The k best by `cmp`, without sorting everything (related lists are short, candidates many). */
export function topK<T>(items: T[], k: number, cmp: (a: T, b: T) => number): T[] {
  if (items.length <= k * 4) return items.sort(cmp).slice(0, k);
  const best: T[] = [];
  for (const it of items) {
    if (best.length < k) {
      best.push(it);
      if (best.length === k) best.sort(cmp);
      continue;
    }
    if (cmp(it, best[k - 1]) >= 0) continue;
    let i = k - 1;
    while (i > 0 && cmp(it, best[i - 1]) < 0) i--;
    best.splice(i, 0, it);
    best.pop();
  }
  return best.length < k ? best.sort(cmp) : best;
}
