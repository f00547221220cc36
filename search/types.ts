// The contract between search engines and everything that asks them.
// Both engines (MiniSearch in process, SQLite FTS5) implement SearchEngine.

export interface SearchHit {
  id: string;
  score: number;
  /** The (stemmed or surface) query terms that matched this paper, for highlighting. */
  terms: string[];
}

export interface SearchOptions {
  offset?: number;
  limit?: number;
  /** Restrict results to these ids (e.g. "my keywords" sort inside one listing). */
  within?: ReadonlySet<string>;
}

export interface SearchResult {
  total: number;
  hits: SearchHit[];
  /** Words the reader typed that should be marked in titles and abstracts. */
  highlightTerms: string[];
  /**
   * The query with unlikely words replaced by likelier indexed spellings
   * ("did you mean"), when some word is (nearly) unknown to the index or
   * nothing was found; absent or null otherwise (search/suggest.ts).
   */
  suggestion?: string | null;
}

export interface RelatedResult {
  /** The significant terms the similarity was computed from ("related because: ..."). */
  terms: string[];
  hits: SearchHit[];
}

/**
 * In-process engines answer at once; the worker-thread engine answers with a
 * promise, so the request loop serves pages while the index thread works.
 * Callers always `await`.
 */
export type Awaitable<T> = T | Promise<T>;

export interface SearchEngine {
  readonly name: 'minisearch' | 'fts5';
  /** `query` is the query language string the reader typed. Throws (or rejects with) QueryError on bad input. */
  search(query: string, options?: SearchOptions): Awaitable<SearchResult>;
  /** Papers like this one, itself excluded; null when the id is unknown. */
  related(id: string, size: number): Awaitable<RelatedResult | null>;
  relatedText(text: string, size: number): Awaitable<RelatedResult>;
  /**
   * Brings the engine up to date with rows changed since its watermark; returns how many.
   * With `maxRows`, an engine may stop after about that many (the rest on the next call).
   */
  sync(maxRows?: number): number;
  /** True while sync() defers work it has (e.g. a snapshot save holds the index still): the caller tries again shortly. */
  deferring?(): boolean;
  close(): Awaitable<void>;
}

/** An engine in this thread (MiniSearch, FTS5): it answers at once. */
export interface LocalSearchEngine extends SearchEngine {
  search(query: string, options?: SearchOptions): SearchResult;
  related(id: string, size: number): RelatedResult | null;
  relatedText(text: string, size: number): RelatedResult;
  close(): void;
}
