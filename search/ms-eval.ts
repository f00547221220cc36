// A lean evaluator for our query trees over MiniSearch's own index data,
// scoring as MiniSearch does (BM25 with field boosts, times the number of
// query terms matched), with BM25F as an option the evaluation chose. MiniSearch.search() builds a result object
// with match details for every posting of every term before intersecting;
// here AND walks only the rarest part's postings and probes the others, and
// OR accumulates term-at-a-time in typed arrays. That is what takes 3-word
// queries from tens of milliseconds to a few.
import type { IndexView, FieldPostings } from './ms-internals.ts';
import { PostingList, unpackId, unpackTf } from './postings.ts';
import { groupDocs } from './plan.ts';

export interface Bm25 {
  k: number;
  b: number;
  d: number;
  /**
   * BM25F: add up a word's (boosted) frequencies over the fields, then
   * saturate once against the whole paper's length, with one paper-level IDF
   * (what SQLite FTS5's bm25() does). Off: MiniSearch's own sum of per-field BM25.
   */
  fielded?: boolean;
}

export interface ScoreContext {
  /**
   * Set by every score() that matches, for its own node: the node's score
   * over the words as typed alone, or -1 when the words as typed do not
   * satisfy it (some word is there only as an inflection). A paper the
   * typed words satisfy is ranked by this, as FTS5 ranks the rows of its
   * exact pass (search/fts5_rank.c, tiered mode): an OR counts the children
   * the typed words satisfy, an AND all of them or nothing.
   */
  typed: number;
}

/** A fresh ScoreContext. */
export function scoreContext(): ScoreContext {
  return { typed: -1 };
}

/** A compiled query node. score() < 0 means no match. */
export interface Matcher {
  readonly cost: number;
  candidates(): Iterable<number>;
  score(sid: number, ctx: ScoreContext): number;
}

interface FieldPart {
  /** Whether this part is the query word itself (not a variant). */
  exact: boolean;
  /** Which of the matcher's spellings this part belongs to (BM25F scores each spelling apart unless grouped). */
  spelling: number;
  fid: number;
  map: PostingList;
  weight: number;
  avg: number;
  idf: number;
  /** Cursor into a packed list: candidates mostly come in rising short-id order, so probes gallop forward. */
  pos: number;
  last: number;
}

/**
 * The term frequency of `sid` in a part, or undefined. Moves the part's cursor:
 * from where the last probe stopped when `sid` is larger (galloping, then a
 * binary search), from the start otherwise.
 */
function probe(p: FieldPart, sid: number): number | undefined {
  const map = p.map;
  const d = map.data;
  const n = map.n;
  let lo = sid >= p.last ? p.pos : 0;
  p.last = sid;
  if (lo >= n) {
    p.pos = n;
    return undefined;
  }
  if (unpackId(d[lo]) >= sid) {
    p.pos = lo;
    return unpackId(d[lo]) === sid ? unpackTf(d[lo]) : undefined;
  }
  // d[lo] < sid: gallop until d[hi] >= sid or the end, then search (lo, hi].
  let step = 1;
  let hi = lo + 1;
  while (hi < n && unpackId(d[hi]) < sid) {
    lo = hi;
    step *= 2;
    hi = lo + step;
  }
  if (hi > n - 1) hi = n - 1;
  if (unpackId(d[hi]) < sid) {
    p.pos = n;
    return undefined;
  }
  while (lo + 1 < hi) {
    const mid = (lo + hi) >>> 1;
    if (unpackId(d[mid]) < sid) lo = mid;
    else hi = mid;
  }
  p.pos = hi;
  return unpackId(d[hi]) === sid ? unpackTf(d[hi]) : undefined;
}

/** An index term a query word matches, and how much a match counts (1 for the word itself). */
export interface Variant {
  term: string;
  weight: number;
}

/**
 * BM25F for one term, as FTS5's bm25() scores one phrase: its weighted
 * frequencies summed over the fields it is searched in and saturated once
 * against the paper's whole length, times one paper-level IDF from `docs`,
 * the papers holding the term in those fields (FTS5's formula, floored where
 * a term is in most papers, so both engines weigh it alike).
 */
export class Bm25f {
  readonly idf: number;
  private readonly fieldIds: number[];
  private readonly avgLength: number;
  constructor(
    private readonly view: IndexView,
    private readonly bm25: Bm25,
    docs: number,
  ) {
    const n = view.documentCount;
    this.idf = Math.max(1e-6, Math.log((n - docs + 0.5) / (docs + 0.5)));
    // The paper's whole length, whatever fields the term is searched in (a field filter too), as FTS5's bm25() takes it.
    this.fieldIds = view.avgFieldLength.map((_, fid) => fid);
    this.avgLength = this.fieldIds.reduce((a, fid) => a + (view.avgFieldLength[fid] || 0), 0) || 1;
  }

  /** The length part for a paper: k1 · (1 − b + b · length / average length), over all its fields. */
  lengthNorm(sid: number): number {
    let len = 0;
    for (const fid of this.fieldIds) len += this.view.fieldLength(sid, fid);
    const { k, b } = this.bm25;
    return k * (1 - b + (b * len) / this.avgLength);
  }

  /** The term's score for a summed, weighted frequency `tf` in a paper of length part `norm`. */
  term(tf: number, norm: number): number {
    const { k, d } = this.bm25;
    return this.idf * (d + (tf * (k + 1)) / (tf + norm));
  }
}

/**
 * One query word: its own term and, if stemming is on, its inflections in
 * the index. `grouped`: the word and its inflections are one BM25 term, with
 * one document frequency (search/plan.ts groupDocs). Otherwise each
 * spelling is a BM25 term of its own, with its own IDF, as FTS5's bm25()
 * scores an OR of them: a paper holding the word as typed is scored by that
 * spelling alone in the first tier, and a paper reached only by an
 * inflection is ranked apart, by tier, on the sum over its spellings.
 */
export class TermMatcher implements Matcher {
  readonly cost: number;
  private readonly parts: FieldPart[];
  /** BM25F per spelling (one, for all of them, when grouped); parts[i].spelling indexes it. */
  private readonly spellings: Bm25f[] = [];
  /** Scratch: one summed frequency per spelling, for scoreFielded. */
  private readonly tfs: Float64Array;
  constructor(
    readonly term: string,
    private readonly view: IndexView,
    fieldBoosts: ReadonlyMap<number, number>,
    private readonly bm25: Bm25,
    boost = 1,
    variants: readonly Variant[] = [{ term, weight: 1 }],
    grouped = false,
  ) {
    const n = view.documentCount;
    const fields = [...fieldBoosts.keys()];
    this.parts = [];
    for (const v of variants) {
      const data: FieldPostings | undefined = view.postings(v.term);
      if (!data) continue;
      const spelling = grouped ? 0 : this.spellings.length;
      let found = false;
      for (const [fid, fb] of fieldBoosts) {
        const map = data.get(fid);
        if (!map || !map.size) continue;
        found = true;
        const m = map.size;
        this.parts.push({
          exact: v.term === term,
          spelling,
          fid,
          map,
          weight: fb * boost * v.weight,
          avg: view.avgFieldLength[fid] || 1,
          idf: Math.log(1 + (n - m + 0.5) / (m + 0.5)),
          pos: 0,
          last: -1,
        });
      }
      // Paper-level IDF for BM25F, from the papers holding the spelling in any searched field (FTS5's count).
      if (found && !grouped) this.spellings.push(new Bm25f(view, bm25, view.papersWith(v.term, fields)));
    }
    this.cost = this.parts.reduce((s, p) => s + p.map.size, 0);
    // Grouped: each spelling's papers, then the spellings together.
    if (grouped) this.spellings.push(new Bm25f(view, bm25, groupDocs([...new Set(variants.map((v) => v.term))].map((t) => view.papersWith(t, fields)), n)));
    this.tfs = new Float64Array(this.spellings.length);
  }

  /** Scored as BM25F (see Bm25.fielded). */
  get fielded(): boolean {
    return !!this.bm25.fielded;
  }

  private scoreFielded(sid: number, ctx: ScoreContext): number {
    const tfs = this.tfs;
    let tfTyped = 0;
    let hit = false;
    let exact = false;
    for (const p of this.parts) {
      const f = probe(p, sid);
      if (f === undefined) continue;
      hit = true;
      if (p.exact) {
        exact = true;
        tfTyped += p.weight * f;
      }
      tfs[p.spelling] += p.weight * f;
    }
    if (!hit) return -1;
    const norm = this.spellings[0].lengthNorm(sid);
    let s = 0;
    for (let i = 0; i < tfs.length; i++) {
      if (tfs[i] === 0) continue;
      s += this.spellings[i].term(tfs[i], norm);
      tfs[i] = 0;
    }
    // The typed word's share: its own frequency, saturated alone (spelling 0 is the typed word when it is indexed).
    ctx.typed = exact ? this.spellings[0].term(tfTyped, norm) : -1;
    return s;
  }

  candidates(): Iterable<number> {
    if (this.parts.length === 1) return ids(this.parts[0].map);
    // In rising order, so the other terms' probes move forward only.
    const all = new Uint32Array(this.cost);
    let n = 0;
    for (const p of this.parts) for (const sid of ids(p.map)) all[n++] = sid;
    return dedupe(all.subarray(0, n));
  }

  score(sid: number, ctx: ScoreContext): number {
    if (this.bm25.fielded) return this.scoreFielded(sid, ctx);
    let s = 0;
    let typed = 0;
    let hit = false;
    let exact = false;
    const { k, b, d } = this.bm25;
    for (const p of this.parts) {
      const tf = probe(p, sid);
      if (tf === undefined) continue;
      hit = true;
      const len = this.view.fieldLength(sid, p.fid);
      const x = p.weight * p.idf * (d + (tf * (k + 1)) / (tf + k * (1 - b + (b * len) / p.avg)));
      s += x;
      if (p.exact) {
        exact = true;
        typed += x;
      }
    }
    if (!hit) return -1;
    ctx.typed = exact ? typed : -1;
    return s;
  }

  /**
   * BM25F term-at-a-time, as scoreFielded() scores one paper (the same
   * doubles, summed in the same order): per spelling, the weighted
   * frequencies summed over fields and saturated once; then the spellings'
   * scores summed per paper. A paper that only a variant reaches counts as
   * inexact, as there.
   */
  accumulateFielded(acc: Accumulator): void {
    const stamp = acc.nextTerm();
    const { tf, tfTyped, exact, termScores, termTyped, termExact } = acc;
    const reached: number[] = [];
    // Parts come spelling by spelling, the typed word's first.
    for (let start = 0; start < this.parts.length; ) {
      const spelling = this.parts[start].spelling;
      let end = start;
      while (end < this.parts.length && this.parts[end].spelling === spelling) end++;
      const bm = this.spellings[spelling];
      const seen: number[] = [];
      for (let j = start; j < end; j++) {
        const p = this.parts[j];
        const w = p.weight;
        const typed = p.exact ? 1 : 0;
        const packed = p.map.packed();
        for (let i = 0; i < packed.length; i++) {
          const sid = unpackId(packed[i]);
          const f = unpackTf(packed[i]);
          // A frequency is at least 1 and a weight above 0, so 0 marks a paper not seen yet.
          if (tf[sid] === 0) seen.push(sid);
          tf[sid] += w * f;
          if (typed) tfTyped[sid] += w * f;
          exact[sid] |= typed;
        }
      }
      for (const sid of seen) {
        const norm = bm.lengthNorm(sid);
        if (termScores[sid] === 0) reached.push(sid);
        termScores[sid] += bm.term(tf[sid], norm);
        if (exact[sid]) {
          termExact[sid] = 1;
          termTyped[sid] = bm.term(tfTyped[sid], norm);
        }
        tf[sid] = 0;
        tfTyped[sid] = 0;
        exact[sid] = 0;
      }
      start = end;
    }
    for (const sid of reached) {
      const typed = termExact[sid] === 1;
      acc.add(sid, termScores[sid], stamp, typed, typed ? termTyped[sid] : 0);
      termScores[sid] = 0;
      termTyped[sid] = 0;
      termExact[sid] = 0;
    }
  }

  /** Adds this term's score to every document it occurs in (term-at-a-time). */
  accumulate(acc: Accumulator): void {
    const { k, b, d } = this.bm25;
    const stamp = acc.nextTerm();
    const view = this.view;
    // The typed word's parts come first (see the constructor), so a paper a
    // variant reaches first has only variants of this word.
    for (const p of this.parts) {
      const norm = k / p.avg;
      const exact = p.exact;
      const add = (sid: number, tf: number) => {
        const len = view.fieldLength(sid, p.fid);
        const x = p.weight * p.idf * (d + (tf * (k + 1)) / (tf + k * (1 - b) + b * norm * len));
        acc.add(sid, x, stamp, exact, exact ? x : 0);
      };
      const packed = p.map.packed();
      for (let i = 0; i < packed.length; i++) add(unpackId(packed[i]), unpackTf(packed[i]));
    }
  }
}

/** The short ids of a posting map, without copying a packed list. */
function* ids(map: PostingList): Iterable<number> {
  const packed = map.packed();
  for (let i = 0; i < packed.length; i++) yield unpackId(packed[i]);
}

/**
 * The candidates of several matchers, each once, in rising order when there
 * are many: scoring probes every term's postings with a cursor that only
 * gallops forward while ids rise, and restarts with a binary search when
 * they fall (on the benchmark's variant set at 85 k papers, paired
 * query by query in one process: p99 76.5 -> 70.5 ms, all queries -9 %).
 */
function union(children: readonly Matcher[]): Iterable<number> {
  if (children.reduce((n, c) => n + c.cost, 0) < UNION_SORT_ABOVE) {
    const s = new Set<number>();
    for (const c of children) for (const sid of c.candidates()) s.add(sid);
    return s;
  }
  const ids: number[] = [];
  for (const c of children) for (const sid of c.candidates()) ids.push(sid);
  return dedupe(Uint32Array.from(ids));
}

/** Below this many postings an OR's candidates are not sorted: probing a few in any order costs less than sorting. */
const UNION_SORT_ABOVE = 4096;

/** Sorts ids in place and drops repeats. */
function dedupe(ids: Uint32Array): Uint32Array {
  ids.sort();
  let m = 0;
  for (let i = 0; i < ids.length; i++) if (i === 0 || ids[i] !== ids[i - 1]) ids[m++] = ids[i];
  return ids.subarray(0, m);
}

export class AndMatcher implements Matcher {
  readonly cost: number;
  private readonly driver: Matcher | null;
  constructor(
    private readonly pos: Matcher[],
    private readonly neg: Matcher[],
    private readonly all: AllMatcher,
  ) {
    this.driver = pos.length ? pos.reduce((a, m) => (m.cost < a.cost ? m : a)) : null;
    this.cost = this.driver ? this.driver.cost : all.cost;
  }
  candidates(): Iterable<number> {
    return this.driver ? this.driver.candidates() : this.all.candidates();
  }
  score(sid: number, ctx: ScoreContext): number {
    let s = 0;
    // With no positive part (a pure exclusion) the typed words satisfy it as they do every paper.
    let typed = 0;
    for (const m of this.pos) {
      const x = m.score(sid, ctx);
      if (x < 0) return -1;
      s += x;
      typed = typed < 0 || ctx.typed < 0 ? -1 : typed + ctx.typed;
    }
    if (this.neg.length) {
      const scratch = scoreContext();
      for (const m of this.neg) if (m.score(sid, scratch) >= 0) return -1;
    }
    ctx.typed = typed;
    return s;
  }
}

export class OrMatcher implements Matcher {
  readonly cost: number;
  constructor(private readonly children: Matcher[]) {
    this.cost = children.reduce((s, m) => s + m.cost, 0);
  }
  candidates(): Iterable<number> {
    return union(this.children);
  }
  score(sid: number, ctx: ScoreContext): number {
    return scoreAny(this.children, sid, ctx);
  }
}

/** An OR's score: the sum over the children that match, and over those the typed words satisfy for ctx.typed; -1 when none matches. */
function scoreAny(children: readonly Matcher[], sid: number, ctx: ScoreContext): number {
  let s = 0;
  let typed = -1;
  let hit = false;
  for (const c of children) {
    const x = c.score(sid, ctx);
    if (x < 0) continue;
    hit = true;
    s += x;
    if (ctx.typed >= 0) typed = (typed < 0 ? 0 : typed) + ctx.typed;
  }
  ctx.typed = typed;
  return hit ? s : -1;
}

/** Every live document, score 0 (the base a pure exclusion subtracts from). */
export class AllMatcher implements Matcher {
  constructor(private readonly view: IndexView) {}
  get cost(): number {
    return this.view.documentCount;
  }
  candidates(): Iterable<number> {
    return this.view.liveIds();
  }
  score(_sid: number, ctx: ScoreContext): number {
    ctx.typed = 0;
    return 0;
  }
}

/** Per-document score sums in typed arrays, reused between queries. */
export class Accumulator {
  scores = new Float64Array(0);
  /** Scratch for accumulateFielded: one term's summed frequency per document, and whether a typed spelling reached it; left all zero. */
  tf = new Float64Array(0);
  tfTyped = new Float64Array(0);
  exact = new Uint8Array(0);
  /** Scratch for accumulateFielded: one term's score per document over its spellings, its typed share, whether typed; left all zero. */
  termScores = new Float64Array(0);
  termTyped = new Float64Array(0);
  termExact = new Uint8Array(0);
  /** Per document, the scores of the words as typed alone (ScoreContext.typed). */
  typedScores = new Float64Array(0);
  counts = new Uint16Array(0);
  /** Of the terms counted for a document, how many reached it as typed. */
  typedTerms = new Uint16Array(0);
  /** Which term last counted a document, so a term found in two fields counts once. */
  private stamps = new Uint32Array(0);
  private stamp = 0;
  touched: number[] = [];
  reset(size: number): void {
    for (const sid of this.touched) {
      this.scores[sid] = 0;
      this.typedScores[sid] = 0;
      this.counts[sid] = 0;
      this.typedTerms[sid] = 0;
    }
    this.touched = [];
    if (this.scores.length < size) {
      const n = Math.max(size, Math.ceil(this.scores.length * 1.5));
      this.scores = new Float64Array(n);
      this.tf = new Float64Array(n);
      this.tfTyped = new Float64Array(n);
      this.termScores = new Float64Array(n);
      this.termTyped = new Float64Array(n);
      this.termExact = new Uint8Array(n);
      this.typedScores = new Float64Array(n);
      this.exact = new Uint8Array(n);
      this.counts = new Uint16Array(n);
      this.typedTerms = new Uint16Array(n);
      this.stamps = new Uint32Array(n);
    }
  }
  /** Starts a new term; returns its stamp. */
  nextTerm(): number {
    this.stamp = (this.stamp + 1) >>> 0 || 1;
    return this.stamp;
  }
  /** Adds a term's score `s` for a document, `typed` of it from the word as typed (all of it by default); `exact`: the term reached it as typed (its first add counts; a term adds its typed spelling first). */
  add(sid: number, s: number, stamp: number, exact = true, typed = s): void {
    if (this.counts[sid] === 0) this.touched.push(sid);
    this.scores[sid] += s;
    this.typedScores[sid] += typed;
    if (this.stamps[sid] !== stamp) {
      this.stamps[sid] = stamp;
      this.counts[sid]++;
      if (exact) this.typedTerms[sid]++;
    }
  }
}

export interface Scored {
  sid: number;
  score: number;
  /**
   * 0 when the words as typed satisfy the query (ScoreContext.typed), 1
   * when the paper matches only through some word's inflection. Tier 0
   * ranks first: the evaluation showed that letting variants compete with
   * exact matches costs a fifth of MRR.
   */
  tier: number;
}

/**
 * Runs a matcher tree: every matching live document with its score;
 * `tiered`: papers that the words as typed do not satisfy get tier 1, and
 * the others are scored by the words as typed alone.
 */
export function evaluate(root: Matcher, view: IndexView, accept?: (sid: number) => boolean, tiered = true): Scored[] {
  const out: Scored[] = [];
  const ctx = scoreContext();
  for (const sid of root.candidates()) {
    if (!view.isLive(sid) || (accept && !accept(sid))) continue;
    const s = root.score(sid, ctx);
    if (s < 0) continue;
    // Tiered, a paper the words as typed satisfy is ranked by those words alone, as FTS5 ranks it.
    const exact = tiered && ctx.typed >= 0;
    out.push({ sid, score: exact ? ctx.typed : s, tier: tiered && !exact ? 1 : 0 });
  }
  return out;
}

/**
 * OR of plain terms, term-at-a-time: the fast path for related papers and
 * the relaxed fallback, giving the scores and tiers evaluate() gives
 * (`coordinate`: times the number of terms matched, as MiniSearch ranks). BM25F
 * terms are scored as scoreFielded() scores them. A compound's
 * spellings (CompoundMatcher) are scored paper by paper over its own
 * candidates only, as evaluate() scores them, and count as one word; so an
 * OR of common words with one compound among them ("modelling" is also
 * "model-ling" in some abstract) is not scored paper by paper over all of
 * its candidates (at 85 k papers, OR fallbacks over 30-60 k papers took
 * 100-300 ms that way).
 */
export function evaluateOr(
  terms: readonly (TermMatcher | CompoundMatcher)[],
  view: IndexView,
  acc: Accumulator,
  accept?: (sid: number) => boolean,
  tiered = true,
  coordinate = false,
): Scored[] {
  acc.reset(view.nextId);
  const ctx = scoreContext();
  for (const t of terms) {
    if (t instanceof CompoundMatcher) {
      const stamp = acc.nextTerm();
      for (const sid of t.candidates()) {
        const x = t.score(sid, ctx);
        if (x >= 0) acc.add(sid, x, stamp, ctx.typed >= 0, Math.max(0, ctx.typed));
      }
    } else if (t.fielded) t.accumulateFielded(acc);
    else t.accumulate(acc);
  }
  const out: Scored[] = [];
  for (const sid of acc.touched) {
    if (!view.isLive(sid) || (accept && !accept(sid))) continue;
    // Tiered as evaluate() does: a paper with none of the words as typed (only inflections) follows.
    const exact = tiered && acc.typedTerms[sid] > 0;
    const score = exact ? acc.typedScores[sid] : acc.scores[sid];
    out.push({ sid, score: coordinate ? score * acc.counts[sid] : score, tier: tiered && !exact ? 1 : 0 });
  }
  return out;
}

/** A matcher that also needs a per-paper check (a phrase's words in order, from the stored sequences). */
export class CheckedMatcher implements Matcher {
  readonly cost: number;
  constructor(
    private readonly inner: Matcher,
    private readonly check: (sid: number) => boolean,
  ) {
    this.cost = inner.cost;
  }
  candidates(): Iterable<number> {
    return this.inner.candidates();
  }
  score(sid: number, ctx: ScoreContext): number {
    if (!this.check(sid)) return -1;
    return this.inner.score(sid, ctx);
  }
}

/**
 * The spellings of one compound (search/compounds.ts): a paper's score is
 * the sum over the spellings it has, and it counts as one matched word,
 * like the single word the reader meant.
 */
export class CompoundMatcher implements Matcher {
  readonly cost: number;
  constructor(private readonly children: Matcher[]) {
    this.cost = children.reduce((s, m) => s + m.cost, 0);
  }
  candidates(): Iterable<number> {
    return this.children.length === 1 ? this.children[0].candidates() : union(this.children);
  }
  score(sid: number, ctx: ScoreContext): number {
    return scoreAny(this.children, sid, ctx);
  }
}
