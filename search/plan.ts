// The query plan both engines execute: what a query string means is decided
// here once, and an engine only answers for the trees it is handed.
//
//   1. parse (search/query.ts): the tree, filters, an id lookup, highlight words;
//   2. spell out compounds (search/compounds.ts) from the engine's document counts;
//   3. the order of passes: the words ANDed first and, only when that finds
//      nothing, the same words ORed (the fallback) — or OR straight away
//      when the tuning says so.
//
// What stays in an engine: how it finds a word's same-stem variants in its
// own vocabulary, and how it scores.
import { parseQuery, type ParsedQuery, type QueryNode } from './query.ts';
import { compoundQuestions, rewriteCompounds } from './compounds.ts';

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
 * Throws QueryError on a query the reader must fix.
 */
export function planQuery(query: string, opts: PlanOptions, docs: (words: string[]) => (word: string) => number): QueryPlan {
  const parsed = parseQuery(query);
  const typed = parsed.root;
  if (!typed) return { parsed, first: null, fallback: null };
  let spell = (n: QueryNode) => n;
  if (opts.compounds !== false) {
    const count = docs(compoundQuestions(typed));
    spell = (n) => rewriteCompounds(n, count);
  }
  const loose = relax(typed);
  if (!opts.andFirst && loose) return { parsed, first: spell(loose), fallback: null };
  return { parsed, first: spell(typed), fallback: loose && spell(loose) };
}
