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
  /** Query terms matched by the document being scored. */
  matched: number;
  /** Of those, how many only through a same-stem variant. */
  inexact: number;
  /**
   * The score of the words as typed alone, their inflections left out: what
   * a paper that has every word as typed is ranked by, as FTS5 ranks it
   * (search/fts5_rank.c, tiered mode). Equals the score when no inflection
   * occurs in the paper.
   */
  typed: number;
}

/** A fresh ScoreContext. */
export function scoreContext(): ScoreContext {
  return { matched: 0, inexact: 0, typed: 0 };
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
 * one document frequency (search/plan.ts groupDocs); otherwise the IDF is
 * the typed word's own (papers reached only by an inflection are then
 * ranked apart, by tier).
 */
export class TermMatcher implements Matcher {
  readonly cost: number;
  private readonly parts: FieldPart[];
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
    this.parts = [];
    for (const v of variants) {
      const data: FieldPostings | undefined = view.postings(v.term);
      if (!data) continue;
      for (const [fid, fb] of fieldBoosts) {
        const map = data.get(fid);
        if (!map || !map.size) continue;
        const m = map.size;
        this.parts.push({
          exact: v.term === term,
          fid,
          map,
          weight: fb * boost * v.weight,
          avg: view.avgFieldLength[fid] || 1,
          idf: Math.log(1 + (n - m + 0.5) / (m + 0.5)),
          pos: 0,
          last: -1,
        });
      }
    }
    this.cost = this.parts.reduce((s, p) => s + p.map.size, 0);
    // Paper-level IDF for BM25F, from the papers holding the word.
    let df = 0;
    if (grouped) {
      // Each spelling's papers, then the spellings together.
      const fields = [...fieldBoosts.keys()];
      df = groupDocs([...new Set(variants.map((v) => v.term))].map((t) => view.papersWith(t, fields)), n);
    } else {
      // The papers holding the typed word in any searched field (FTS5's count); else those of its commonest inflection.
      df = view.papersWith(term, [...fieldBoosts.keys()]);
      if (!df) for (const p of this.parts) df = Math.max(df, p.map.size);
    }
    this.fieldedScore = new Bm25f(view, bm25, df);
  }

  /** Scored as BM25F (see Bm25.fielded). */
  get fielded(): boolean {
    return !!this.bm25.fielded;
  }
  private readonly fieldedScore: Bm25f;

  private scoreFielded(sid: number, ctx: ScoreContext): number {
    let tf = 0;
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
      tf += p.weight * f;
    }
    if (!hit) return -1;
    ctx.matched++;
    const norm = this.fieldedScore.lengthNorm(sid);
    if (exact) ctx.typed += this.fieldedScore.term(tfTyped, norm);
    else ctx.inexact++;
    return this.fieldedScore.term(tf, norm);
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
    ctx.matched++;
    if (exact) ctx.typed += typed;
    else ctx.inexact++;
    return s;
  }

  /**
   * BM25F term-at-a-time, as scoreFielded() scores one paper (the same
   * doubles): the weighted frequencies of all spellings summed per paper,
   * then saturated once. A paper that only a variant reaches counts as
   * inexact, as there.
   */
  accumulateFielded(acc: Accumulator): void {
    const stamp = acc.nextTerm();
    const tf = acc.tf;
    const tfTyped = acc.tfTyped;
    const exact = acc.exact;
    const seen: number[] = [];
    for (const p of this.parts) {
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
      const f = tf[sid];
      const ft = tfTyped[sid];
      const typed = exact[sid] === 1;
      tf[sid] = 0;
      tfTyped[sid] = 0;
      exact[sid] = 0;
      const norm = this.fieldedScore.lengthNorm(sid);
      acc.add(sid, this.fieldedScore.term(f, norm), stamp, typed, typed ? this.fieldedScore.term(ft, norm) : 0);
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
    // A paper that fails the AND leaves the context as it found it (an OR above may still match it).
    const matched = ctx.matched;
    const inexact = ctx.inexact;
    const typed = ctx.typed;
    let s = 0;
    let ok = true;
    for (const m of this.pos) {
      const x = m.score(sid, ctx);
      if (x < 0) {
        ok = false;
        break;
      }
      s += x;
    }
    if (ok && this.neg.length) {
      const scratch = scoreContext();
      for (const m of this.neg) if (m.score(sid, scratch) >= 0) ok = false;
    }
    if (ok) return s;
    ctx.matched = matched;
    ctx.inexact = inexact;
    ctx.typed = typed;
    return -1;
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
    let s = 0;
    let hit = false;
    for (const c of this.children) {
      const x = c.score(sid, ctx);
      if (x >= 0) {
        hit = true;
        s += x;
      }
    }
    return hit ? s : -1;
  }
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
  score(): number {
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
  /** Per document, the scores of the words as typed alone (ScoreContext.typed). */
  typedScores = new Float64Array(0);
  counts = new Uint16Array(0);
  /** Of the terms counted for a document, how many reached it only through a variant. */
  inexact = new Uint16Array(0);
  /** Which term last counted a document, so a term found in two fields counts once. */
  private stamps = new Uint32Array(0);
  private stamp = 0;
  touched: number[] = [];
  reset(size: number): void {
    for (const sid of this.touched) {
      this.scores[sid] = 0;
      this.typedScores[sid] = 0;
      this.counts[sid] = 0;
      this.inexact[sid] = 0;
    }
    this.touched = [];
    if (this.scores.length < size) {
      const n = Math.max(size, Math.ceil(this.scores.length * 1.5));
      this.scores = new Float64Array(n);
      this.tf = new Float64Array(n);
      this.tfTyped = new Float64Array(n);
      this.typedScores = new Float64Array(n);
      this.exact = new Uint8Array(n);
      this.counts = new Uint16Array(n);
      this.inexact = new Uint16Array(n);
      this.stamps = new Uint32Array(n);
    }
  }
  /** Starts a new term; returns its stamp. */
  nextTerm(): number {
    this.stamp = (this.stamp + 1) >>> 0 || 1;
    return this.stamp;
  }
  /** Adds a term's score `s` for a document, `typed` of it from the word as typed (all of it by default). */
  add(sid: number, s: number, stamp: number, exact = true, typed = s): void {
    if (this.counts[sid] === 0) this.touched.push(sid);
    this.scores[sid] += s;
    this.typedScores[sid] += typed;
    if (this.stamps[sid] !== stamp) {
      this.stamps[sid] = stamp;
      this.counts[sid]++;
      if (!exact) this.inexact[sid]++;
    }
  }
}

export interface Scored {
  sid: number;
  score: number;
  /**
   * 0 when every matched word matched as typed, 1 when some matched only
   * through a same-stem variant. Tier 0 ranks first: the evaluation showed
   * that letting variants compete with exact matches costs a fifth of MRR.
   */
  tier: number;
}

/**
 * Runs a matcher tree: every matching live document with MiniSearch's final
 * score; `tiered`: papers that matched some word only by an inflection get tier 1.
 */
export function evaluate(root: Matcher, view: IndexView, accept?: (sid: number) => boolean, tiered = true): Scored[] {
  const out: Scored[] = [];
  const ctx = scoreContext();
  for (const sid of root.candidates()) {
    if (!view.isLive(sid) || (accept && !accept(sid))) continue;
    ctx.matched = 0;
    ctx.inexact = 0;
    ctx.typed = 0;
    const s = root.score(sid, ctx);
    if (s < 0) continue;
    // Tiered, a paper with every word as typed is ranked by those words alone, as FTS5 ranks it.
    const exact = tiered && ctx.inexact === 0;
    out.push({ sid, score: (exact ? ctx.typed : s) * Math.max(1, ctx.matched), tier: tiered && !exact ? 1 : 0 });
  }
  return out;
}

/**
 * OR of plain terms, term-at-a-time: the fast path for related papers and
 * the relaxed fallback, giving the scores and tiers evaluate() gives. BM25F
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
): Scored[] {
  acc.reset(view.nextId);
  const ctx = scoreContext();
  for (const t of terms) {
    if (t instanceof CompoundMatcher) {
      const stamp = acc.nextTerm();
      for (const sid of t.candidates()) {
        ctx.matched = 0;
        ctx.inexact = 0;
        ctx.typed = 0;
        const x = t.score(sid, ctx);
        if (x >= 0) acc.add(sid, x, stamp, ctx.inexact === 0, ctx.typed);
      }
    } else if (t.fielded) t.accumulateFielded(acc);
    else t.accumulate(acc);
  }
  const out: Scored[] = [];
  for (const sid of acc.touched) {
    if (!view.isLive(sid) || (accept && !accept(sid))) continue;
    // Tiered as evaluate() does: a paper that has some word only as a variant follows.
    const exact = tiered && acc.inexact[sid] === 0;
    out.push({ sid, score: (exact ? acc.typedScores[sid] : acc.scores[sid]) * acc.counts[sid], tier: tiered && !exact ? 1 : 0 });
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
    const scratch = scoreContext();
    let s = 0;
    let hit = false;
    for (const c of this.children) {
      const x = c.score(sid, scratch);
      if (x >= 0) {
        hit = true;
        s += x;
      }
    }
    if (!hit) return -1;
    ctx.matched++;
    if (scratch.inexact > 0 && scratch.inexact >= scratch.matched) ctx.inexact++;
    else ctx.typed += scratch.typed;
    return s;
  }
}
