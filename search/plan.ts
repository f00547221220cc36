// The query plan both engines execute: what a query string means is decided
// here once, and an engine only answers for the trees it is handed.
//
//   1. parse (search/query.ts): the tree, filters, an id lookup, highlight words;
//   2. spell out compounds (search/compounds.ts) from the engine's document counts;
//   3. the order of passes: the words ANDed first and, only when that finds
//      nothing, the same words ORed (the fallback) — or OR straight away
//      when the tuning says so.
//
//   4. which indexed words a query word stands for besides itself (its
//      inflections, search/inflections.ts, not every word with its Porter
//      stem), what weight they carry and what document frequency the word
//      and its inflections have together (variantsOf, groupDocs). By
//      default (tiers) papers that have some word only as an inflection
//      follow the rest; with `tieredVariants: false` both engines score a
//      word and its inflections as ONE BM25 term with these numbers. The
//      benchmark chose tiers (BENCHMARKS.md, issue 16).
//
// What stays in an engine: how it lists candidate spellings in its own
// vocabulary, and how it scores.
import { parseQuery, type ParsedQuery, type QueryNode } from './query.ts';
import { compoundQuestions, rewriteCompounds } from './compounds.ts';
import { isInflection } from './inflections.ts';
import { isIndexable } from './tokenize.ts';

export interface PlanOptions {
  /** AND first with an OR fallback (true), or OR throughout. */
  andFirst: boolean;
  /** Spell out compounds (default true). */
  compounds?: boolean;
}

export interface QueryPlan {
  parsed: ParsedQuery;
  /** The tree to run first (null: filters only, or nothing to search). */
  first: QueryNode | null;
  /** The tree to run when `first` finds nothing, or null when there is none. */
  fallback: QueryNode | null;
}

/** The same query with its top-level words and phrases joined by OR, or null when that is the same query. */
export function relax(node: QueryNode | null): QueryNode | null {
  if (node?.kind !== 'and') return null;
  const loose = node.children.filter((c) => c.kind === 'term' || c.kind === 'phrase');
  if (loose.length < 2) return null;
  const rest = node.children.filter((c) => c.kind !== 'term' && c.kind !== 'phrase');
  return rest.length ? { kind: 'and', children: [{ kind: 'or', children: loose }, ...rest] } : { kind: 'or', children: loose };
}

/**
 * Plans a query. `docs` answers, for a batch of words, how many papers hold
 * each (0 or less: none); it is asked once, for the words compounds need.
 * `occurs` answers whether some paper has these words in a row, in any field
 * (asked at most once per spelling; without it every spelling is assumed to
 * occur: the same results, at more cost).
 * Throws QueryError on a query the reader must fix.
 */
export function planQuery(
  query: string,
  opts: PlanOptions,
  docs: (words: string[]) => (word: string) => number,
  occurs?: (words: readonly string[]) => boolean,
): QueryPlan {
  const parsed = parseQuery(query);
  const typed = parsed.root;
  if (!typed) return { parsed, first: null, fallback: null };
  let spell = (n: QueryNode) => n;
  if (opts.compounds !== false) {
    const count = docs(compoundQuestions(typed));
    const seen = new Map<string, boolean>();
    const once = occurs && ((words: readonly string[]) => {
      const key = words.join(' ');
      let hit = seen.get(key);
      if (hit === undefined) seen.set(key, (hit = occurs(words)));
      return hit;
    });
    spell = (n) => rewriteCompounds(n, count, once);
  }
  const loose = relax(typed);
  if (!opts.andFirst && loose) return { parsed, first: spell(loose), fallback: null };
  return { parsed, first: spell(typed), fallback: loose && spell(loose) };
}

/**
 * How much an inflection's occurrence counts towards its word's term
 * frequency (the typed form counts 1, never less than an inflection): for
 * the order within the lower tier when variants are tiered (minisearch; FTS5
 * scores that tier with bm25() over every spelling), and inside the BM25
 * term when they are not. With tiers, 1 against 0.3 gained +0.015 ± 0.004
 * MRR@10 on the variant set of tuning seed 11 (1,000 queries, 85 k papers)
 * for -0.002 ± 0.002 on the exact set; `npm run bench:search -- --tune`
 * tries 0.1-1 for the untiered scoring. See BENCHMARKS.md.
 */
export const VARIANT_WEIGHT = 1;

/**
 * Whether papers that hold some query word only as an inflection rank after
 * those that hold every word as typed (true), or a word and its inflections
 * are one BM25 term (false). Measured on the benchmark's exact and variant
 * sets at 85 k papers: one BM25 term gains on the variant set (+0.014 to
 * +0.055 MRR@10) but loses more on the exact set (-0.010 to -0.115) at every
 * weight tried, so the default stays tiers. Both engines read it.
 */
export const TIERED_VARIANTS = true;

/**
 * With tiered variants, papers that hold some word only as an inflection
 * are listed only when the words as typed find fewer papers than this: past
 * it the inflections' tier would only lengthen the list's tail, and in FTS5
 * it costs a pass over OR-expanded doclists (3x at 1 M papers). Both
 * engines keep the rule (listOnlyTyped), so they count the same matches.
 */
export const VARIANTS_BELOW = 100;

/** Whether a tiered search whose words as typed find `typed` papers lists those alone (VARIANTS_BELOW). */
export function listOnlyTyped(typed: number): boolean {
  return typed >= VARIANTS_BELOW;
}

/** At most this many inflections per query word (beyond it, the closest spellings; see variantsOf). */
export const MAX_VARIANTS = 24;

/**
 * Which same-stem candidates a word stands for: its inflections (default),
 * or every candidate (the earlier rule, every word with its Porter stem; kept
 * for the benchmark's comparison).
 */
export type VariantRule = 'inflections' | 'porter';

/** A spelling a query word stands for, and how much its occurrences count (1 for the word as typed). */
export interface WeightedTerm {
  term: string;
  weight: number;
}

/**
 * The spellings a typed word is scored as: itself (weight 1), then the
 * candidates that are its inflections (weight `weight`), closest first: the
 * longest beginning shared with the typed word, then the rarest, then
 * alphabetical. `candidates` are indexed words with their document counts
 * (an engine lists them from its vocabulary, e.g. by the stem's prefix).
 */
export function variantsOf(
  word: string,
  candidates: Iterable<readonly [string, number]>,
  weight = VARIANT_WEIGHT,
  rule: VariantRule = 'inflections',
): WeightedTerm[] {
  const found: { term: string; docs: number; shared: number }[] = [];
  for (const [term, docs] of candidates) {
    if (rule === 'inflections' && !isInflection(word, term)) continue;
    // A stop word is no inflection ("off" for "offs"): minisearch does not index them, FTS5 does.
    if (!isIndexable(term)) continue;
    let shared = 0;
    while (shared < term.length && term[shared] === word[shared]) shared++;
    found.push({ term, docs, shared });
  }
  found.sort((a, b) => b.shared - a.shared || a.docs - b.docs || (a.term < b.term ? -1 : 1));
  return [{ term: word, weight: 1 }, ...found.slice(0, MAX_VARIANTS).map((f) => ({ term: f.term, weight }))];
}

/**
 * The document frequency of a word and its inflections scored as one term:
 * how many of `total` papers hold at least one of the spellings, estimated
 * from each spelling's own count as if they occurred independently
 * (between the largest count and the sum; engines know the counts, not the
 * overlaps). Both engines use it, so they weigh a word alike.
 */
export function groupDocs(docs: readonly number[], total: number): number {
  if (total <= 0) return 0;
  let none = 1;
  let most = 0;
  for (const d of docs) {
    if (d <= 0) continue;
    none *= 1 - Math.min(d, total) / total;
    most = Math.max(most, d);
  }
  return Math.max(most, Math.round(total * (1 - none)));
}
