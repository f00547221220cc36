// The SQLite FTS5 engine, for corpora the in-process index cannot hold.
// The index lives in the same database file as an external-content table
// over `papers` (its text with TeX markup dropped), kept in step by
// triggers, so every writer (crawler, importer, any process) updates it in
// the same transaction as the row. Table and triggers are migrations'
// (db/migrations/0004_fts5.sql, 0006_fts5_tex_markup.sql); every query this
// engine runs is in this file.
import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/client.ts';
import { countPapers, getPaper, getPapers, maxSeq } from '../db/queries.ts';
import type { LocalSearchEngine, RelatedResult, SearchHit, SearchOptions, SearchResult } from './types.ts';
import { hasFilters, hasPositive, noFilters, type QueryFilters, type QueryNode } from './query.ts';
import { keywords, type Keyword } from './keywords.ts';
import { stem, terms } from './tokenize.ts';
import { availableParallelism } from 'node:os';
import { loadRank, phrasesByGroup, scoreSql, tiered as tieredScores, tierOf, topRows, type RankMode, type RankTable } from './fts5-rank.ts';
import { ShardPool, type Param } from './fts5-shards.ts';
import { Vocabulary } from './fts5-vocabulary.ts';
import { inflectionPrefix } from './inflections.ts';
import { VersionedMap } from './versioned-map.ts';
import { groupDocs, listOnlyTyped, planQuery, variantsOf, TIERED_VARIANTS, VARIANTS_BELOW, VARIANT_WEIGHT, type VariantRule } from './plan.ts';
import { editDistance, suggestQuery, type Lexicon } from './suggest.ts';


/**
 * The most postings a same-stem pass reads for the variants of the query
 * words (the words themselves are read anyway). FTS5 merges OR-ed doclists
 * posting by posting, so this bounds the pass: in 2.7 M papers the variants
 * of four common words (Porter puts "general", "generate" and "generation"
 * under one stem) reach 5 M postings and 100 ms on one thread. When they do
 * not fit, the spellings least like the typed word are left out. Far below
 * it in the 85 k corpus, where it leaves every result as it was.
 */
export const VARIANT_POSTINGS = 400_000;

/**
 * At most this many vocabulary words are read for one inflection prefix
 * (search/inflections.ts inflectionPrefix), in their sorted order. A prefix
 * of three letters begins up to ~750 words at 85 k papers; 400 left out
 * inflections sorting after the others ("sims" after 500 words beginning
 * "sim"). Reading more costs nothing measurable there (BENCHMARKS.md).
 */
const PREFIX_WORDS = 2000;

/** How many FTS5 candidates related papers are re-ranked from. */
const RELATED_POOL = 200;

export interface Fts5Tuning {
  /**
   * Words are indexed as written; with stemming on, a query word also
   * matches its inflections ("quantization" for "quantized";
   * search/inflections.ts). With `tieredVariants` (default, search/plan.ts
   * TIERED_VARIANTS), and always without bm25_df() (no C compiler), papers
   * that have only an inflection of some word follow the exact matches,
   * when the exact words find fewer than VARIANTS_BELOW papers. Without it,
   * a word and its inflections are one BM25 term in bm25_df() (see
   * fts5_rank.c), each inflection's occurrence counting `variantWeight`.
   */
  useStem: boolean;
  variantWeight: number;
  tieredVariants?: boolean;
  /** Which same-stem words are variants (search/plan.ts VariantRule); default inflections. */
  variantRule?: VariantRule;
  /** bm25() column weights: title, abstract, authors. */
  weights: [number, number, number];
  /** As in MiniSearchTuning: AND with an OR fallback, or OR throughout. */
  andFirst: boolean;
  /** Compounds in all their spellings (search/compounds.ts); default on. */
  compounds?: boolean;
}

/** Chosen by `npm run bench:search` (known-item MRR@10); see BENCHMARKS.md. */
export const DEFAULT_FTS5_TUNING: Fts5Tuning = {
  useStem: true,
  variantWeight: VARIANT_WEIGHT,
  tieredVariants: TIERED_VARIANTS,
  weights: [1, 1, 1],
  andFirst: true,
};

/**
 * The FTS5 table's tokenizer, as db/migrations/0006_fts5_tex_markup.sql
 * declares it (another one is a new migration that recreates the table).
 */
export const FTS5_TOKENIZER = 'unicode61 remove_diacritics 2';

const TABLE = 'papers_fts';
/** What bm25_df ranks over: papers.seq is the change mark every ingest raises (db/changes.ts). */
const RANK: RankTable = { table: TABLE, changes: { content: 'papers', mark: 'seq' } };

/**
 * Makes the index current for the engine: the table, its vocabulary and the
 * triggers are migrations' (db/migrations/0004_fts5.sql, 0006_fts5_tex_markup.sql), and act only
 * once this has switched indexing on (fts5_state), so a database searched
 * with minisearch imports without them. The first time, and whenever the
 * index holds another number of rows than papers, it is filled with one
 * 'rebuild', in the same transaction that switches the triggers on, so no
 * write falls between the two.
 */
export function ensureFts5(db: Db, log: (line: string) => void = () => {}): void {
  const s = db.sqlite;
  const setup = s.transaction(() => {
    s.prepare('UPDATE fts5_state SET indexing = 1 WHERE indexing = 0').run();
    // count(*) on an external-content table counts the content; docsize is the index's own.
    const indexed = s.prepare(`SELECT count(*) FROM ${TABLE}_docsize`).pluck().get() as number;
    const rows = countPapers(db);
    if (indexed !== rows) {
      const t = performance.now();
      // A bigger page cache for the one pass that writes the whole index.
      const cacheSize = s.pragma('cache_size', { simple: true }) as number;
      s.pragma('cache_size = -262144');
      try {
        s.exec(`INSERT INTO ${TABLE}(${TABLE}) VALUES ('rebuild')`);
      } finally {
        s.pragma(`cache_size = ${cacheSize}`);
      }
      log(`search: built the FTS5 index of ${rows} papers in ${Math.round(performance.now() - t)} ms`);
    }
  });
  setup.immediate();
}

/** An FTS5 string literal: the word in double quotes, inner quotes doubled. */
function lit(word: string): string {
  return `"${word.replace(/"/g, '""')}"`;
}

const COLUMN: Record<string, string> = { title: 'title', abstract: 'abstract', authors: 'authors' };

/**
 * An FTS5 MATCH expression and, per phrase in the order FTS5 numbers them,
 * its word when it is one unfiltered word, and its tier code for bm25_df
 * (tierOf in fts5-rank.ts): term g's typed word, a variant of it, or a phrase.
 */
interface Compiled {
  expr: string;
  /** Per phrase, its word when its document count is the table's (a bare word in no column filter), else null. */
  words: (string | null)[];
  /** Every bare word, in a column filter or not: the words whose inflections a wider pass adds. */
  terms: string[];
  tiers: number[];
  /** Per phrase, its words when it is a phrase of several words in no column filter (its document count can be asked of the whole table), else null. */
  phrases: (string | null)[];
}

/**
 * Compiles a tree with at least one positive part to an FTS5 MATCH
 * expression; with `expand`, each bare word may also be any of its variants
 * (phrases stay exact, and an excluded word excludes its variants too).
 * FTS5 numbers phrases in the order they are written, which is the order
 * they are pushed here. With `compoundGroups`, the spellings of a compound
 * (an OR of words and phrases, search/compounds.ts) are one group, each
 * spelling that group's typed word, as the tiered pass needs (a row holding
 * any spelling holds the word); otherwise each word is its own group and a
 * phrase is outside any group.
 */
function compile(node: QueryNode, expand?: (word: string) => string[], expandExcluded = expand, compoundGroups = false): Compiled {
  const words: (string | null)[] = [];
  const terms: string[] = [];
  const tiers: number[] = [];
  const phrases: (string | null)[] = [];
  let group = 0;
  // The group a compound's spellings share, while compiling them.
  let shared: number | null = null;
  const phrase = (text: string, field: string | null | undefined, tier: number) => {
    words.push(field ? null : text);
    tiers.push(tier);
    phrases.push(null);
    return lit(text);
  };
  // Inside an exclusion every word stands for its variants too (as in the
  // in-process engine): `-model` leaves out "models" also, on every pass.
  let excluding = 0;
  const go = (n: QueryNode): string => {
    switch (n.kind) {
      case 'term': {
        const g = shared ?? group++;
        const ex = excluding ? expandExcluded : expand;
        terms.push(n.word);
        const alts = (ex ? ex(n.word) : [n.word]).map((w, i) => phrase(w, n.field, i === 0 ? tierOf.typed(g) : tierOf.variant(g)));
        const e = alts.length === 1 ? alts[0] : `(${alts.join(' OR ')})`;
        return n.field ? `${COLUMN[n.field]} : ${e}` : e;
      }
      case 'phrase': {
        words.push(null);
        tiers.push(shared === null ? tierOf.phrase : tierOf.typed(shared));
        phrases.push(n.field || n.words.length < 2 ? null : n.words.join(' '));
        const p = lit(n.words.join(' '));
        return n.field ? `${COLUMN[n.field]} : ${p}` : p;
      }
      case 'or': {
        if (!compoundGroups || !n.compound || shared !== null || !n.children.every((c) => c.kind === 'term' || c.kind === 'phrase')) {
          return `(${n.children.map(go).join(' OR ')})`;
        }
        shared = group++;
        const e = `(${n.children.map(go).join(' OR ')})`;
        shared = null;
        return e;
      }
      case 'and': {
        const pos = n.children.filter((c) => c.kind !== 'not');
        const neg = n.children.filter((c): c is Extract<QueryNode, { kind: 'not' }> => c.kind === 'not');
        if (!pos.length) throw new Error('toFts5: an AND needs a positive part');
        // (A NOT X) AND B, not (A AND B) NOT X: the same rows, but under a NOT whose left side is an AND,
        // FTS5 does not move every phrase of that AND onto the row, and bm25() then leaves their hits
        // out. So the exclusions hang on one plain word or phrase (else the first part), written in
        // the order the phrases are numbered.
        const at = Math.max(0, pos.findIndex((c) => c.kind === 'term' || c.kind === 'phrase'));
        const parts = pos.map((c, i) => {
          let e = go(c);
          if (i !== at) return e;
          for (const x of neg) {
            excluding++;
            e = `(${e} NOT ${go(x.child)})`;
            excluding--;
          }
          return e;
        });
        return parts.length === 1 ? parts[0] : `(${parts.join(' AND ')})`;
      }
      case 'not':
        throw new Error('toFts5: a lone NOT has nothing to subtract from');
    }
  };
  const expr = go(node);
  return { expr, words, terms, tiers, phrases };
}

/** A word as the tiered pass takes it: a bare word, or a compound's spellings (words and phrases; see compile()). */
function spelledWord(node: QueryNode): boolean {
  return (
    node.kind === 'term' ||
    (node.kind === 'or' && !!node.compound && node.children.some((c) => c.kind === 'term') && node.children.every((c) => c.kind === 'term' || c.kind === 'phrase'))
  );
}

/**
 * Whether the exact and the same-stem passes can be one (see page()): an
 * AND of words, compounds and phrases, or one word or compound. With an OR
 * or an exclusion the variant expression does not split into "all the
 * words" and the rest.
 */
function oneTiered(node: QueryNode): boolean {
  if (spelledWord(node)) return true;
  return node.kind === 'and' && node.children.some(spelledWord) && node.children.every((c) => spelledWord(c) || c.kind === 'phrase');
}

/** Compiles a tree with at least one positive part to an FTS5 MATCH expression. */
export function toFts5(node: QueryNode, expandExcluded?: (word: string) => string[]): string {
  return compile(node, undefined, expandExcluded).expr;
}

/** Whether a tree excludes something (its excluded words then need their variants, see compile()). */
function excludes(node: QueryNode): boolean {
  if (node.kind === 'not') return true;
  return (node.kind === 'and' || node.kind === 'or') && node.children.some(excludes);
}

/** Like toFts5, but each bare word may also be any of its variants (`expand`). Phrases stay exact. */
export function toFts5Expanded(node: QueryNode, expand: (word: string) => string[]): string {
  return compile(node, expand).expr;
}

interface FilterSql {
  where: string;
  params: (string | number)[];
}

function filterSql(f: QueryFilters): FilterSql {
  const where: string[] = [];
  const params: (string | number)[] = [];
  const catClause = (cats: string[]) =>
    `EXISTS (SELECT 1 FROM paper_categories pc WHERE pc.paper_id = p.id AND (${cats
      .map((c) => {
        if (c.includes('.')) {
          params.push(c);
          return 'lower(pc.category) = ?';
        }
        params.push(c, `${c}.%`);
        return '(lower(pc.category) = ? OR lower(pc.category) LIKE ?)';
      })
      .join(' OR ')}))`;
  if (f.categories.length) where.push(catClause(f.categories));
  if (f.excludedCategories.length) where.push(`NOT ${catClause(f.excludedCategories)}`);
  if (f.from) {
    where.push('p.sort_date >= ?');
    params.push(f.from);
  }
  if (f.to) {
    where.push('p.sort_date <= ?');
    params.push(f.to);
  }
  return { where: where.length ? ` AND ${where.join(' AND ')}` : '', params };
}

interface Row {
  id: string;
  score: number;
  total: number;
}

/** One rowid range's answer: its best rows (rowid, score) and how many rows it matched. */
interface RangeRow {
  r: number;
  score: number;
  total: number;
  /** With tiers: how many rows matched all the typed words. */
  exact?: number;
}

/** Below this many papers one thread answers; above, each thread takes a rowid range. */
export const SHARD_ABOVE = 100_000;

/**
 * From this many papers on, the engine reads the whole FTS5 vocabulary at
 * start (see fts5-vocabulary.ts) and takes document frequencies and
 * same-stem variants from it; below, it counts them per query, exactly,
 * which is cheap there.
 */
export const VOCABULARY_ABOVE = 200_000;

const MIN_ROWID = -(2n ** 63n);
const MAX_ROWID = 2n ** 63n - 1n;
/** A `within` set whose rowids span fewer than this is matched on one connection (no shard pool). */
const NARROW_SPAN = 200_000n;
/** Above this many rows wanted, each thread first sorts only its share (see matchRanked). */
const SHARE_ABOVE = 1_000;
/** Look-ups per vocabulary statement (each is one UNION ALL arm; SQLite allows 500). */
const VOCAB_ARMS = 200;

export interface Fts5OpenOptions {
  log?: (line: string) => void;
  tuning?: Fts5Tuning;
  /**
   * How many threads answer a query, each over a rowid range of the same
   * table (so bm25() statistics, scores and order are those of one table).
   * Default: one per core, up to 2, from SHARD_ABOVE papers on; 1 for an
   * in-memory database, which other connections cannot open.
   */
  shards?: number;
  /** Keep vocabulary counts between queries while the database is unchanged (default true). */
  vocabCache?: boolean;
  /** Rank with bm25_df() when it can be loaded (default true); false: FTS5's bm25(). Same scores either way. */
  bm25Df?: boolean;
  /** Read the whole vocabulary at start from this many papers on (default VOCABULARY_ABOVE). */
  vocabularyAbove?: number;
  /** The same-stem pass's budget of variant postings (default VARIANT_POSTINGS). */
  variantPostings?: number;
}

/** The first `keep` rows of lists each sorted by `order`, in that order (each thread's answer is sorted). */
function mergeSorted<T>(lists: readonly T[][], order: (a: T, b: T) => number, keep: number): T[] {
  if (lists.length === 1) return lists[0].slice(0, keep);
  const at = lists.map(() => 0);
  const out: T[] = [];
  while (out.length < keep) {
    let best = -1;
    for (let i = 0; i < lists.length; i++) {
      if (at[i] < lists[i].length && (best < 0 || order(lists[i][at[i]], lists[best][at[best]]) < 0)) best = i;
    }
    if (best < 0) break;
    out.push(lists[best][at[best]++]);
  }
  return out;
}

export class Fts5Engine implements LocalSearchEngine {
  readonly name = 'fts5' as const;
  private watermark: number;

  private readonly vocabTerm;
  private readonly statements = new Map<string, Statement<unknown[]>>();
  /** Rowid spans of `within` sets, per set object (a search asks for the same set in several passes). */
  private readonly spans = new WeakMap<ReadonlySet<string>, { lo: bigint; hi: bigint }>();
  /** bm25_df() is loaded: the engine passes document frequencies it already knows (see fts5_rank.c). */
  private readonly ranked: boolean;
  private readonly useVocabCache: boolean;
  private pool: ShardPool | null = null;
  /**
   * Vocabulary rows already read (per word, per prefix range), while the
   * database is unchanged. FTS5 keeps no document frequencies: each one is
   * a count over the word's postings, ~10 ms for a word in 400k papers, and
   * a query needs them for every word and variant. Any commit, by this
   * connection or another, empties it (see fresh()).
   */
  private readonly vocabCache = new VersionedMap<string, [string, number][]>(50_000);
  private readonly versionStmt;
  /** The whole vocabulary, for a big corpus; then vocabCache is not used. */
  private readonly vocabulary: Vocabulary | null = null;
  private readonly variantPostings: number;

  private constructor(
    private readonly db: Db,
    readonly tuning: Fts5Tuning,
    opts: Fts5OpenOptions,
  ) {
    this.watermark = maxSeq(db);
    this.vocabTerm = db.sqlite.prepare(`SELECT doc FROM ${TABLE}_vocab WHERE term = ?`).pluck();
    this.versionStmt = db.sqlite.prepare('SELECT (SELECT data_version FROM pragma_data_version) || \'.\' || total_changes()').pluck();
    this.useVocabCache = opts.vocabCache ?? true;
    this.variantPostings = opts.variantPostings ?? VARIANT_POSTINGS;
    this.ranked = (opts.bm25Df ?? true) && loadRank(db.sqlite, RANK, opts.log);
    const papers = countPapers(db);
    if (papers >= (opts.vocabularyAbove ?? VOCABULARY_ABOVE)) {
      const t = performance.now();
      this.vocabulary = Vocabulary.read(db.sqlite, `${TABLE}_vocab`);
      opts.log?.(`search: read the FTS5 vocabulary (${this.vocabulary.size} terms) in ${Math.round(performance.now() - t)} ms`);
    }
    const shards =
      opts.shards ?? (db.path !== ':memory:' && papers >= SHARD_ABOVE ? Math.min(2, availableParallelism()) : 1);
    if (shards > 1 && db.path !== ':memory:') {
      this.pool = new ShardPool(db.path, shards - 1, this.ranked ? RANK : null);
    }
    this.primeLengths();
  }

  /**
   * Has every connection (this one and the range threads') read all the
   * papers' lengths now (bm25_prime in fts5_rank.c), unless it did under the
   * current index: at open, and after each sync that found the index
   * changed, so queries after a write do not pay for reading them (at 1M
   * papers, a common word's cold query cost 2-3x its warm one).
   */
  private primeLengths(): void {
    if (!this.ranked) return;
    const sql = 'SELECT bm25_prime() AS done';
    if (this.pool) this.pool.all(() => ({ sql, params: [] }), (q, params) => this.prepared(q).all(...params));
    else this.prepared(sql).get();
  }

  static open(db: Db, opts: Fts5OpenOptions = {}): Fts5Engine {
    const tuning = opts.tuning ?? DEFAULT_FTS5_TUNING;
    ensureFts5(db, opts.log);
    return new Fts5Engine(db, tuning, opts);
  }

  /** How many threads answer a query. */
  get shards(): number {
    return this.pool && !this.pool.failed ? this.pool.size : 1;
  }

  private prepared(sql: string) {
    let st = this.statements.get(sql);
    if (!st) {
      if (this.statements.size > 200) this.statements.clear();
      this.statements.set(sql, (st = this.db.sqlite.prepare<unknown[]>(sql)));
    }
    return st;
  }

  /**
   * The score expression (higher is better) and its leading parameters:
   * bm25_df with the known frequencies, or bm25. `tiered`: exact rows apart;
   * `grouped`: each word and its inflections one term, the typed word's
   * phrase carrying the group's document frequency (search/plan.ts
   * groupDocs). The encodings are fts5-rank.ts's.
   */
  private rank(c: Compiled, df: Map<string, number>, mode: RankMode = 'plain'): { sql: string; params: Param[] } {
    if (!this.ranked) return scoreSql(TABLE, this.tuning.weights, null);
    this.phraseDocs(c, df);
    // -1: not known (a field, a word FTS5 splits); bm25_df counts it as bm25() does.
    const known = c.words.map((w, i) => df.get(w ?? c.phrases[i] ?? '') ?? -1);
    if (mode === 'grouped') {
      const n = this.paperCount();
      for (const list of phrasesByGroup(c.tiers).values()) {
        const head = list.find((i) => tierOf.isTyped(c.tiers[i]));
        // A word in a column filter (unknown count) keeps FTS5's own count of the typed word.
        if (head === undefined || list.some((i) => c.words[i] === null)) continue;
        known[head] = groupDocs(list.map((i) => Math.max(0, known[i])), n);
      }
    }
    return scoreSql(TABLE, this.tuning.weights, { known, mode, tiers: c.tiers, variantWeight: this.tuning.variantWeight });
  }

  private readonly phraseCache = new VersionedMap<string, number>(10_000);

  /**
   * Notes in `df`, under its words joined by spaces (a key no word has), how
   * many papers hold each unfiltered phrase of `c`: counted once per phrase
   * and database version, each thread counting its rowid range, where
   * bm25_df would count the whole table again in every statement on every
   * thread ("multi scale": 28 ms at 2.7 M papers). The count is the one
   * bm25_df makes (xQueryPhrase), so scores do not change.
   */
  private phraseDocs(c: Compiled, df: Map<string, number>): void {
    const todo = [...new Set(c.phrases.filter((p): p is string => p !== null && !df.has(p)))];
    if (!todo.length) return;
    this.phraseCache.keepFor(this.versionStmt.get() as string);
    for (const p of todo) {
      let n = this.phraseCache.get(p);
      if (n === undefined) {
        n = this.matchRanked({ expr: lit(p), words: [null], terms: [], tiers: [tierOf.phrase], phrases: [null] }, df, noFilters(), undefined, 0, []).total;
        this.phraseCache.set(p, n);
      }
      df.set(p, n);
    }
  }

  /**
   * Runs one vocabulary query per item, the items shared out over the pool's
   * threads (a common word's row counts every one of its postings: ~10 ms
   * for 400k papers), and returns the rows of each item in item order.
   */
  private vocab(all: readonly (readonly [string, string])[], sql: string): [string, number][][] {
    const v = this.vocabulary;
    if (v) {
      return all.map(([lo, hi]) => {
        if (lo !== hi) return v.range(lo, hi, PREFIX_WORDS);
        const n = v.docCount(lo);
        return n ? [[lo, n]] : [];
      });
    }
    const result: [string, number][][] = all.map(() => []);
    // A word is asked as [word, word], a range as [lo, hi] with lo < hi: the keys never collide.
    const key = (item: readonly [string, string]) => `${item[0]}\u0000${item[1]}`;
    if (this.useVocabCache) this.vocabCache.keepFor(this.versionStmt.get() as string);
    const missing: number[] = [];
    all.forEach((item, k) => {
      const hit = this.useVocabCache ? this.vocabCache.get(key(item)) : undefined;
      if (hit) result[k] = hit;
      else missing.push(k);
    });
    const items = missing.map((k) => all[k]);
    if (!items.length) return result;
    const out: [string, number][][] = items.map(() => []);
    // Each item is one arm of a UNION ALL, and SQLite allows at most 500 in one statement.
    for (let at = 0; at < items.length; at += VOCAB_ARMS) {
      const batch = items.slice(at, at + VOCAB_ARMS);
      const n = Math.min(this.shards, batch.length);
      const job = (i: number) => {
        const ks = batch.map((_, k) => k).filter((k) => k % n === i);
        return {
          sql: ks.map((k) => `SELECT ${k} AS k, * FROM (${sql})`).join(' UNION ALL '),
          params: ks.flatMap((k) => batch[k]) as Param[],
        };
      };
      const here = (q: string, params: Param[]) => this.prepared(q).all(...params) as { k: number; term: string; doc: number }[];
      const parts = n === 1 ? [here(job(0).sql, job(0).params)] : this.pool!.all(job, here, n);
      for (const part of parts) for (const { k, term, doc } of part) out[at + k].push([term, doc]);
    }
    missing.forEach((k, j) => {
      result[k] = out[j];
      if (this.useVocabCache) this.vocabCache.set(key(all[k]), out[j]);
    });
    return result;
  }

  /** Notes in `df` how many papers hold each word (absent: not an indexed term). */
  private docFreqs(words: readonly (string | null)[], df: Map<string, number>): void {
    const todo = [...new Set(words.filter((w): w is string => w !== null && !df.has(w)))];
    const found = this.vocab(todo.map((w) => [w, w] as const), `SELECT term, doc FROM ${TABLE}_vocab WHERE term >= ? AND term <= ?`);
    todo.forEach((w, k) => df.set(w, found[k][0]?.[1] ?? -1));
  }

  /**
   * The best `keep` rows of a MATCH (score, then rowid) and how many rows it
   * matched, under the query's filters, minus the rowids in `without`, in
   * one statement per rowid range (with a pool, each thread takes a range).
   */
  private matchRanked(
    c: Compiled,
    df: Map<string, number>,
    f: QueryFilters,
    within: ReadonlySet<string> | undefined,
    keep: number,
    without: readonly number[],
    mode: RankMode = 'plain',
  ): { rows: RangeRow[]; total: number; exact: number } {
    const tiered = mode === 'tiered';
    const rank = keep > 0 || tiered ? this.rank(c, df, mode) : { sql: '0', params: [] };
    const fs = filterSql(f);
    let extra = fs.where;
    const tail: Param[] = [...fs.params];
    if (within) {
      extra += ' AND p.id IN (SELECT value FROM json_each(?))';
      tail.push(JSON.stringify([...within]));
    }
    // Filters need the papers row; without them only the FTS table is read.
    const from = extra ? `${TABLE} JOIN papers p ON p.rowid = ${TABLE}.rowid` : TABLE;
    if (without.length) {
      extra += ` AND ${TABLE}.rowid NOT IN (SELECT value FROM json_each(?))`;
      tail.push(JSON.stringify(without));
    }
    const where = `${TABLE} MATCH ? AND ${TABLE}.rowid >= ? AND ${TABLE}.rowid <= ?${extra}`;
    // Tiered: every match scored into a materialised table, which is counted
    // twice (exact rows apart) and sorted (tiered in fts5-rank.ts). With
    // bm25_df, one aggregate counts the rows and keeps the best (topRows).
    // Otherwise the count is its own scan, which scores nothing: materialising
    // every scored match cost about a fifth more than scoring and counting apart.
    const heap = !tiered && keep > 0 && this.ranked;
    const scored = `SELECT ${TABLE}.rowid AS r, ${rank.sql} AS score FROM ${from} WHERE ${where}`;
    const sql = tiered
      ? `WITH m AS MATERIALIZED (${scored})
      SELECT r, score, (SELECT count(*) FROM m) AS total, (SELECT count(*) FROM m WHERE ${tieredScores.exactSql}) AS exact
      FROM m ORDER BY ${tieredScores.orderSql} LIMIT ?`
      : heap
        ? topRows.sql(scored)
        : keep > 0
          ? `SELECT ${TABLE}.rowid AS r, ${rank.sql} AS score, (SELECT count(*) FROM ${from} WHERE ${where}) AS total
      FROM ${from} WHERE ${where} ORDER BY score DESC, r LIMIT ?`
          : `SELECT count(*) AS total FROM ${from} WHERE ${where}`;
    // A `within` set bounds the rowids MATCH walks: a listing's newest papers sit in a narrow
    // rowid range (ids, and so import and crawl order, follow time), so a keyword ranking reads
    // that slice of each doclist instead of every match in the archive.
    const span = within ? this.rowidSpan(within) : { lo: MIN_ROWID, hi: MAX_ROWID };
    if (span.lo > span.hi) return { rows: [], total: 0, exact: 0 };
    const n = within && span.hi - span.lo < NARROW_SPAN ? 1 : this.shards;
    // Equal rowid ranges: rowids are dense, so the ranges hold about as many papers.
    const top = n === 1 ? 0n : BigInt(this.prepared('SELECT coalesce(max(rowid), 0) FROM papers').pluck().get() as number);
    const cut = (i: number) => (i === 0 ? MIN_ROWID : i === n ? MAX_ROWID : (top * BigInt(i)) / BigInt(n));
    const job = (i: number, limit: number) => {
      const lo = i === 0 ? cut(0) : cut(i) + 1n;
      const hi = cut(i + 1);
      const match: Param[] = [c.expr, lo > span.lo ? lo : span.lo, hi < span.hi ? hi : span.hi, ...tail];
      // LIMIT 0 would also drop the row that carries the counts.
      const params = tiered
        ? [...rank.params, ...match, Math.max(1, limit)]
        : heap
          ? [limit, ...rank.params, ...match]
          : keep > 0
            ? [...rank.params, ...match, ...match, limit]
            : match;
      return { sql, params: params as Param[] };
    };
    type Part = { rows: RangeRow[]; total: number; exact: number };
    const read = (got: unknown[]): Part => {
      if (heap) {
        const { total, rows } = topRows.read((got[0] as { top: Uint8Array }).top);
        return { rows: rows.map((r) => ({ ...r, total })), total, exact: 0 };
      }
      const rows = got as RangeRow[];
      return { rows, total: rows[0]?.total ?? 0, exact: rows[0]?.exact ?? 0 };
    };
    const here = (q: string, params: Param[]) => this.prepared(q).all(...params);
    const run = (limit: number) => (n === 1 ? [here(sql, job(0, limit).params)] : this.pool!.all((i) => job(i, limit), here)).map(read);
    const order = tiered
      ? tieredScores.compare
      : (a: RangeRow, b: RangeRow) => b.score - a.score || a.r - b.r;
    // Each thread's share of the best `keep` is about keep / n: it keeps a
    // share with a margin (fewer rows kept and returned), and all of `keep`
    // only when some thread's share ran short.
    const share = n > 1 && keep > SHARE_ABOVE ? Math.min(keep, Math.ceil(keep / n + 4 * Math.sqrt(keep))) : keep;
    let parts = run(share);
    let rows = mergeSorted(parts.map((p) => p.rows), order, keep);
    if (share < keep && parts.some(({ rows: p }) => p.length === share && (rows.length < keep || order(p[share - 1], rows[keep - 1]) < 0))) {
      parts = run(keep);
      rows = mergeSorted(parts.map((p) => p.rows), order, keep);
    }
    const total = parts.reduce((t, p) => t + p.total, 0);
    const exact = parts.reduce((t, p) => t + p.exact, 0);
    return { rows, total, exact };
  }

  /** The smallest and largest rowid of a set of paper ids (lo > hi when none is held), kept per set object. */
  private rowidSpan(within: ReadonlySet<string>): { lo: bigint; hi: bigint } {
    let span = this.spans.get(within);
    if (!span) {
      const r = this.prepared('SELECT min(rowid) AS lo, max(rowid) AS hi FROM papers WHERE id IN (SELECT value FROM json_each(?))').get(
        JSON.stringify([...within]),
      ) as { lo: number | null; hi: number | null };
      span = r.lo === null || r.hi === null ? { lo: 1n, hi: 0n } : { lo: BigInt(r.lo), hi: BigInt(r.hi) };
      this.spans.set(within, span);
    }
    return span;
  }

  /** Paper ids for rowids, in the same order. */
  private idsOf(rows: RangeRow[]): Row[] {
    if (!rows.length) return [];
    const pairs = this.prepared('SELECT rowid AS r, id FROM papers WHERE rowid IN (SELECT value FROM json_each(?))').all(
      JSON.stringify(rows.map((r) => r.r)),
    ) as { r: number; id: string }[];
    const byRowid = new Map(pairs.map((p) => [p.r, p.id]));
    return rows.flatMap((r) => {
      const id = byRowid.get(r.r);
      return id === undefined ? [] : [{ id, score: r.score, total: -1 }];
    });
  }

  /** Queries without a positive word: filters and exclusions over all papers, newest first. */
  private scanPage(exclude: string | null, f: QueryFilters, within: ReadonlySet<string> | undefined, limit: number, offset: number): Row[] {
    const fs = filterSql(f);
    let where = `1${fs.where}`;
    const params: (string | number)[] = [...fs.params];
    if (exclude) {
      where += ` AND p.rowid NOT IN (SELECT rowid FROM ${TABLE} WHERE ${TABLE} MATCH ?)`;
      params.push(exclude);
    }
    if (within) {
      where += ' AND p.id IN (SELECT value FROM json_each(?))';
      params.push(JSON.stringify([...within]));
    }
    return this.db.sqlite
      .prepare(
        `SELECT p.id AS id, 0 AS score, count(*) OVER () AS total FROM papers p WHERE ${where}
         ORDER BY p.sort_date DESC, p.id LIMIT ? OFFSET ?`,
      )
      .all(...params, limit, offset) as Row[];
  }

  private page(root: QueryNode | null, f: QueryFilters, within: ReadonlySet<string> | undefined, limit: number, offset: number): { rows: Row[]; total: number } {
    // Past the last page there is no row to carry the window count; count apart.
    if (!root || !hasPositive(root)) {
      const negs = !root ? [] : root.kind === 'not' ? [root.child] : root.kind === 'and' ? root.children.map((c) => (c as Extract<QueryNode, { kind: 'not' }>).child) : [];
      // The excluded words with their variants (the parts are positive here, so they are expanded as such).
      const df = new Map<string, number>();
      const expand = this.tuning.useStem ? this.variantsOf(negs.flatMap((n) => compile(n).terms), df) : undefined;
      const exclude = negs.length ? negs.map((n) => compile(n, expand).expr).join(' OR ') : null;
      const rows = this.scanPage(exclude, f, within, limit, offset);
      const total = rows.length ? rows[0].total : offset > 0 ? (this.scanPage(exclude, f, within, 1, 0)[0]?.total ?? 0) : 0;
      return { rows, total };
    }
    const df = new Map<string, number>();
    let exact = compile(root);
    if (this.ranked) this.docFreqs(exact.words, df);
    // Excluded words exclude their variants on the exact pass too.
    if (this.tuning.useStem && excludes(root)) exact = compile(root, undefined, this.variantsOf(exact.terms, df));
    let widened: Compiled | undefined;
    const wideOf = () => (widened ??= compile(root, this.variantsOf(exact.terms, df)));
    if (this.ranked && this.tuning.useStem && !(this.tuning.tieredVariants ?? TIERED_VARIANTS)) {
      // Each word and its inflections one BM25 term: one pass, every match scored alike.
      const r = this.matchRanked(wideOf(), df, f, within, offset + limit, [], 'grouped');
      return { rows: this.idsOf(r.rows.slice(offset, offset + limit)), total: r.total };
    }
    if (this.ranked && this.tuning.useStem && oneTiered(root) && this.likelyFew(exact.words, df)) {
      // One pass instead of two: the variant expression, with the rows that
      // hold every typed word marked and scored as the exact pass would.
      // A compound's spellings one group, so a row with any of them holds the word.
      const wide = compile(root, this.variantsOf(exact.terms, df), undefined, true);
      if (wide.expr !== exact.expr) {
        const r = this.matchRanked(wide, df, f, within, offset + limit, [], 'tiered');
        for (const row of r.rows) row.score = tieredScores.plain(row.score);
        if (listOnlyTyped(r.exact)) {
          return { rows: this.idsOf(r.rows.slice(0, r.exact).slice(offset, offset + limit)), total: r.exact };
        }
        return { rows: this.idsOf(r.rows.slice(offset, offset + limit)), total: r.total };
      }
    }
    // Enough rows that, when there are fewer than VARIANTS_BELOW, all of them are at hand to exclude below.
    const a = this.matchRanked(exact, df, f, within, Math.max(offset + limit, VARIANTS_BELOW), []);
    const rowsA = a.rows.slice(offset, offset + limit);
    // Variants cost a pass over OR-expanded lists (3x at 1 M papers),
    // so they are added only when the words as typed find few papers.
    if (!this.tuning.useStem || listOnlyTyped(a.total)) return { rows: this.idsOf(rowsA), total: a.total };
    const wide = wideOf();
    if (wide.expr === exact.expr) return { rows: this.idsOf(rowsA), total: a.total };
    // Exact matches first, then the papers that only have variants of the words:
    // the wide expression minus the exact matches, which are all in a.rows here.
    const needB = limit - rowsA.length;
    const offsetB = Math.max(0, offset - a.total);
    const b = this.matchRanked(wide, df, f, within, offsetB + needB, a.rows.map((r) => r.r));
    const rowsB = needB > 0 ? b.rows.slice(offsetB, offsetB + needB) : [];
    return { rows: this.idsOf([...rowsA, ...rowsB]), total: a.total + b.total };
  }

  private counted = { version: '', n: 0 };

  /** How many papers there are, counted again only after a write (a count reads the whole table: 10 ms at 2.7 M). */
  private paperCount(): number {
    const version = this.versionStmt.get() as string;
    if (version !== this.counted.version) this.counted = { version, n: countPapers(this.db) };
    return this.counted.n;
  }

  /**
   * Whether the words together likely match fewer than VARIANTS_BELOW
   * papers, so the same-stem pass will be wanted: a guess from their
   * frequencies as if independent, generous tenfold. A wrong guess costs
   * time, never a different answer.
   */
  private likelyFew(words: readonly (string | null)[], df: Map<string, number>): boolean {
    const n = this.paperCount();
    let expected = n;
    for (const w of words) if (w !== null && (df.get(w) ?? -1) >= 0) expected *= df.get(w)! / n;
    return expected < VARIANTS_BELOW * 10;
  }

  /**
   * For each word, the word and the indexed words sharing its Porter stem
   * (from the FTS5 vocabulary, by prefix), noting their frequencies in `df`.
   */
  private variantsOf(words: readonly (string | null)[], df: Map<string, number>): (word: string) => string[] {
    const ranges = new Map<string, { stem: string; lo: string; hi: string }>();
    for (const word of words) {
      if (word === null || ranges.has(word) || !/^\p{L}+$/u.test(word)) continue;
      const lo = inflectionPrefix(word);
      if (lo === null) continue;
      const s = stem(word);
      ranges.set(word, { stem: s, lo, hi: lo.slice(0, -1) + String.fromCharCode(lo.charCodeAt(lo.length - 1) + 1) });
    }
    const asked = [...ranges.values()];
    const found = this.vocab(asked.map((r) => [r.lo, r.hi] as const), `SELECT term, doc FROM ${TABLE}_vocab WHERE term >= ? AND term < ? LIMIT ${PREFIX_WORDS}`);
    const byWord = new Map<string, string[]>();
    const candidates: { word: string; term: string; docs: number; shared: number }[] = [];
    [...ranges.keys()].forEach((word, k) => {
      byWord.set(word, [word]);
      const sameStem: [string, number][] = [];
      // The scan counts every posting of every term in the range anyway, so the counts come free.
      for (const [t, doc] of found[k]) {
        df.set(t, doc);
        if (t !== word && stem(t) === asked[k].stem) sameStem.push([t, doc]);
      }
      // The inflections (search/plan.ts), closest first, as the in-process engine takes them.
      for (const v of variantsOf(word, sameStem, this.tuning.variantWeight, this.tuning.variantRule).slice(1)) {
        let shared = 0;
        while (shared < v.term.length && v.term[shared] === word[shared]) shared++;
        candidates.push({ word, term: v.term, docs: df.get(v.term) ?? 0, shared });
      }
    });
    // Closest spellings first (the longest prefix shared with the word, then
    // the rarest), as long as their postings fit the budget.
    candidates.sort((a, b) => b.shared - a.shared || a.docs - b.docs || (a.term < b.term ? -1 : 1));
    let spent = 0;
    for (const c of candidates) {
      if (spent + c.docs > this.variantPostings) continue;
      spent += c.docs;
      byWord.get(c.word)!.push(c.term);
    }
    return (word) => byWord.get(word) ?? [word];
  }

  search(query: string, options: SearchOptions = {}): SearchResult {
    const plan = planQuery(
      query,
      this.tuning,
      (words) => {
        const df = new Map<string, number>();
        this.docFreqs(words, df);
        return (w) => df.get(w) ?? 0;
      },
      // FTS5 stops at the first paper with the phrase; one that no paper has costs a skip through both lists (0.3-2.5 ms at 2.7 M).
      (words) => this.prepared(`SELECT EXISTS (SELECT 1 FROM ${TABLE} WHERE ${TABLE} MATCH ?)`).pluck().get(lit(words.join(' '))) === 1,
    );
    const parsed = plan.parsed;
    const offset = Math.max(0, options.offset ?? 0);
    const limit = Math.max(0, options.limit ?? 20);
    if (!parsed.root && !hasFilters(parsed.filters)) return { total: 0, hits: [], highlightTerms: [] };
    const within = options.within;
    let { rows, total } = this.page(plan.first, parsed.filters, within, limit, offset);
    if (total === 0 && plan.fallback) ({ rows, total } = this.page(plan.fallback, parsed.filters, within, limit, offset));
    let ids = rows.map((r) => ({ id: r.id, score: r.score }));
    if (parsed.lookup) {
      const id = parsed.lookup.id;
      const known = getPaper(this.db, id) !== null && (!within || within.has(id));
      const already = ids.findIndex((h) => h.id === id);
      if (already > 0) ids.unshift(ids.splice(already, 1)[0]);
      else if (already < 0 && known) {
        if (offset === 0) ids = [{ id, score: 0 }, ...ids].slice(0, Math.max(limit, 1));
        total += 1;
      }
    }
    const terms = parsed.highlightWords;
    const hits: SearchHit[] = ids.slice(0, limit).map((h) => ({ id: h.id, score: h.score, terms }));
    const suggestion = suggestQuery(query, parsed, this.lexicon, total);
    return { total, hits, highlightTerms: terms, suggestion };
  }

  /**
   * The whole vocabulary for suggestions below VOCABULARY_ABOVE: read when
   * first wanted (a query with an unknown word), then kept current by sync().
   */
  private spelling: Vocabulary | null = null;

  private spellingVocabulary(): Vocabulary {
    return this.vocabulary ?? (this.spelling ??= Vocabulary.read(this.db.sqlite, `${TABLE}_vocab`));
  }

  /** The vocabulary as suggestions ask it: paper counts and the words a typo or two away. */
  private readonly lexicon: Lexicon = {
    docs: (w) => {
      const df = new Map<string, number>();
      this.docFreqs([w], df);
      return Math.max(0, df.get(w) ?? 0);
    },
    near: (w, max) => this.spellingVocabulary().near(w, max, editDistance),
  };

  private vocabDocs(term: string): number {
    if (this.vocabulary) return this.vocabulary.docCount(term);
    return (this.vocabTerm.get(term) as number | undefined) ?? 0;
  }


  /**
   * FTS5 has no per-term weights, so an OR of the keywords lets one rare word
   * decide. Candidates come from FTS5 (bm25 over the OR), then are ranked by
   * the summed TF-IDF weight of the keywords each one contains.
   */
  private relatedBy(kw: Keyword[], size: number, excludeId: string | null): RelatedResult {
    if (!kw.length) return { terms: [], hits: [] };
    const match = kw.map((k) => lit(k.word)).join(' OR ');
    const pool = this.db.sqlite
      .prepare(
        `SELECT p.id AS id, ${scoreSql(TABLE, this.tuning.weights, null).sql} AS score FROM ${TABLE} JOIN papers p ON p.rowid = ${TABLE}.rowid
         WHERE ${TABLE} MATCH ? AND p.id IS NOT ? ORDER BY score DESC, p.id LIMIT ?`,
      )
      .all(match, excludeId, Math.max(RELATED_POOL, size * 4)) as { id: string; score: number }[];
    const papers = getPapers(this.db, pool.map((r) => r.id));
    const bm = new Map(pool.map((r) => [r.id, r.score]));
    const ranked = papers.map((p) => {
      const have = new Set([...terms(p.title, 'title', false), ...terms(p.abstract, 'abstract', false)]);
      const matched = kw.filter((k) => have.has(k.term));
      return { id: p.id, score: matched.reduce((s, k) => s + k.weight, 0), bm25: bm.get(p.id) ?? 0, terms: matched.map((k) => k.word) };
    });
    ranked.sort((a, b) => b.score - a.score || b.bm25 - a.bm25 || (a.id < b.id ? -1 : 1));
    return { terms: kw.map((k) => k.word), hits: ranked.slice(0, size).map((r) => ({ id: r.id, score: r.score, terms: r.terms })) };
  }

  related(id: string, size: number): RelatedResult | null {
    const p = getPaper(this.db, id);
    if (!p) return null;
    const kw = keywords(p, (t) => this.vocabDocs(t), this.paperCount(), { useStem: false });
    return this.relatedBy(kw, size, p.id);
  }

  relatedText(text: string, size: number): RelatedResult {
    const kw = keywords({ title: '', abstract: text }, (t) => this.vocabDocs(t), this.paperCount(), { minDf: 1, useStem: false });
    return this.relatedBy(kw, size, null);
  }

  /**
   * The triggers did the indexing; this moves the watermark, reports how
   * much changed and, with a kept vocabulary, counts the new papers' terms
   * (at most `maxRows` papers per call).
   */
  sync(maxRows = Infinity): number {
    const top = maxSeq(this.db);
    if (top <= this.watermark) {
      // The last call of a sync (nothing left): read the changed index's lengths while idle.
      this.primeLengths();
      return 0;
    }
    const vocabulary = this.vocabulary ?? this.spelling;
    if (!vocabulary) {
      const n = this.db.sqlite.prepare('SELECT count(*) FROM papers WHERE seq > ? AND seq <= ?').pluck().get(this.watermark, top) as number;
      this.watermark = top;
      return n;
    }
    const limit = Number.isFinite(maxRows) ? Math.max(1, maxRows) : -1;
    const rows = this.db.sqlite
      .prepare('SELECT seq, title, abstract, authors FROM papers WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?')
      .all(this.watermark, top, limit) as { seq: number; title: string; abstract: string; authors: string }[];
    for (const r of rows) {
      vocabulary.addPaper(`${r.title} ${r.abstract} ${r.authors}`);
      this.watermark = r.seq;
    }
    return rows.length;
  }

  close(): void {
    this.pool?.close();
    this.pool = null;
  }
}

