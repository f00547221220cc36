// Ordering of search results: by relevance (the engine's own order) or by
// date, newest first. Date order is applied here, over the engine's answer,
// so both engines (and any future query plan) sort the same set the same way:
// the DATE_SORT_MAX best matches by relevance, re-ordered by each paper's
// sort date (first-version date when known, else its id's month), ties kept
// in relevance order.
import type { Db } from '../db/client.ts';
import { sortDates } from '../db/queries.ts';
import type { SearchEngine, SearchResult } from './types.ts';
import { QueryError } from './query.ts';

export type ResultSort = 'relevance' | 'date';

/** The orders a reader can ask for, as the `sort` parameter spells them. */
export const RESULT_SORTS: readonly ResultSort[] = ['relevance', 'date'];

/**
 * Date order re-orders at most this many best matches: a bound on the work
 * (one engine call and one SQLite lookup of this many ids per page). A query
 * with more matches says so (`dateSortedOf` below its total).
 */
export const DATE_SORT_MAX = 1000;

/**
 * The deepest result served (Datasette's `max_returned_rows` idea): an engine
 * ranks `offset + limit` candidates to answer a page, so a deep offset costs
 * as much as a page of that size. Past it, a 400 asks for a narrower query.
 */
export const MAX_OFFSET = 10_000;

/** The `sort` parameter: absent or empty is relevance; an unknown value is null (the caller answers 400). */
export function parseResultSort(raw: string | undefined): ResultSort | null {
  if (raw === undefined || raw === '') return 'relevance';
  return (RESULT_SORTS as readonly string[]).includes(raw) ? (raw as ResultSort) : null;
}

export interface SortedResult extends SearchResult {
  sort: ResultSort;
  /**
   * With date order, how many matches were ordered (at most DATE_SORT_MAX);
   * `total` then counts those, since no later page can show the rest.
   * Null with relevance order.
   */
  dateSortedOf: number | null;
  /** Every match of the query, whatever the order shows. */
  matches: number;
}

/** One page of results in the asked order. Throws what the engine throws (QueryError for bad queries). */
export async function searchSorted(
  engine: SearchEngine,
  db: Db,
  query: string,
  opts: { offset: number; limit: number; sort: ResultSort },
): Promise<SortedResult> {
  if (opts.offset > MAX_OFFSET) {
    throw new QueryError(`results past the first ${MAX_OFFSET.toLocaleString('en')} are not served; narrow the query (more words, a category, au: or ti:)`);
  }
  if (opts.sort === 'relevance') {
    const r = await engine.search(query, { offset: opts.offset, limit: opts.limit });
    return { ...r, sort: 'relevance', dateSortedOf: null, matches: r.total };
  }
  const r = await engine.search(query, { offset: 0, limit: DATE_SORT_MAX });
  const dates = sortDates(
    db,
    r.hits.map((h) => h.id),
  );
  const ranked = r.hits.map((hit, rank) => ({ hit, rank, date: dates.get(hit.id) ?? '' }));
  ranked.sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : a.rank - b.rank));
  const ordered = ranked.map((x) => x.hit);
  return {
    total: ordered.length,
    hits: ordered.slice(opts.offset, opts.offset + opts.limit),
    highlightTerms: r.highlightTerms,
    suggestion: r.suggestion,
    sort: 'date',
    dateSortedOf: ordered.length,
    matches: r.total,
  };
}
