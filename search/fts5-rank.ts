// Builds and loads search/fts5_rank.c, the bm25_df() ranking function (see
// the C file for why). It is compiled on first use against the SQLite headers
// better-sqlite3 ships (deps/sqlite3), so it matches the linked library, and
// kept in node_modules/.cache under a hash of the source and headers. Without
// a C compiler the engine ranks with FTS5's own bm25(): same results, slower.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Sqlite } from '../db/client.ts';
import { readSetting } from '../lib/config.ts';

const SOURCE = join(import.meta.dirname, 'fts5_rank.c');
const ENTRY = 'sqlite3_fts5rank_init';

let built: { path: string | null; error?: string } | null = null;

/** The compiled extension's path, building it if needed; null (with the reason) when it cannot be built. */
export function rankExtension(): { path: string | null; error?: string } {
  if (built) return built;
  try {
    const headers = join(dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json')), 'deps', 'sqlite3');
    const hash = createHash('sha256')
      .update(readFileSync(SOURCE))
      .update(readFileSync(join(headers, 'sqlite3.h')))
      .update(process.platform + process.arch)
      .digest('hex')
      .slice(0, 16);
    const dir = join(import.meta.dirname, '..', 'node_modules', '.cache', 'fts5-rank');
    const out = join(dir, `fts5_rank-${hash}${process.platform === 'darwin' ? '.dylib' : '.so'}`);
    if (!existsSync(out)) {
      mkdirSync(dir, { recursive: true });
      // Another process may build at the same time: each writes its own file, the rename is atomic.
      const tmp = `${out}.${process.pid}.tmp`;
      try {
        execFileSync(readSetting('CC'), ['-O2', '-shared', '-fPIC', `-I${headers}`, SOURCE, '-o', tmp, '-lm'], { stdio: 'pipe' });
        renameSync(tmp, out);
      } finally {
        rmSync(tmp, { force: true });
      }
    }
    built = { path: out };
  } catch (err) {
    const e = err as Error & { stderr?: Buffer };
    built = { path: null, error: (e.stderr?.toString() || e.message).split('\n')[0] };
  }
  return built;
}

/**
 * What bm25_df ranks over: the FTS5 table (whose structure record tells it
 * when its kept document lengths may be stale) and, optionally, the content
 * table's change mark, a column every write raises above every row's: with
 * it, a change to the index re-reads only the rows written since, instead of
 * every length (fts5_rank.c, bm25_changes).
 */
export interface RankTable {
  table: string;
  changes?: { content: string; mark: string };
}

/** Loads bm25_df() into this connection, to rank over `rank`; false when it is not available. */
export function loadRank(sqlite: Sqlite, rank: RankTable, log: (line: string) => void = () => {}): boolean {
  const ext = rankExtension();
  if (ext.path) {
    try {
      // better-sqlite3 takes the entry point as a second argument; its typings predate that.
      (sqlite.loadExtension as (path: string, entry: string) => void).call(sqlite, ext.path, ENTRY);
      sqlite.prepare('SELECT bm25_watch(?)').get(rank.table);
      if (rank.changes) sqlite.prepare('SELECT bm25_changes(?, ?)').get(rank.changes.content, rank.changes.mark);
      return true;
    } catch (err) {
      ext.error = (err as Error).message;
      ext.path = null;
    }
  }
  log(`search: FTS5 ranks with bm25() (bm25_df unavailable: ${ext.error})`);
  return false;
}

// ---- The ranking expression and bm25_df's tier encoding (fts5_rank.c). This
// is the one place that knows how tiers are coded, which sign marks an exact
// row, and how tiered rows order; the engine (search/fts5.ts) uses these.

/**
 * A phrase's code in bm25_df's tiers (or groups) blob: the typed word of AND
 * group g, a variant (an inflection) in group g, or a phrase outside any
 * group (always matched, counted in the exact score).
 */
export const tierOf = {
  typed: (group: number): number => 2 * group,
  variant: (group: number): number => 2 * group + 1,
  phrase: -1,
  /** The group of a code; null for a phrase outside any group. */
  groupOf: (code: number): number | null => (code < 0 ? null : code >> 1),
  /** Whether the code is a group's typed word. */
  isTyped: (code: number): boolean => code >= 0 && (code & 1) === 0,
} as const;

/** Phrase indexes by group, from a blob's codes (phrases outside any group left out). */
export function phrasesByGroup(codes: readonly number[]): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  codes.forEach((code, i) => {
    const g = tierOf.groupOf(code);
    if (g === null) return;
    const list = groups.get(g);
    if (list) list.push(i);
    else groups.set(g, [i]);
  });
  return groups;
}

/** A parameter of the ranking expression: a blob or a number bm25_df reads. */
export type RankParam = Buffer | number;

/**
 * How bm25_df scores (fts5_rank.c): `plain`, every phrase a term; `tiered`,
 * exact rows apart from rows with only variants (read with tiered.* below);
 * `grouped`, a word and its inflections one term.
 */
export type RankMode = 'plain' | 'tiered' | 'grouped';

/**
 * The score of a MATCH row as SQL, higher is better, with its parameters
 * (they come first, before the MATCH's own), over an FTS5 table with these
 * column weights:
 * - `ranked` null: FTS5's own bm25(), negated.
 * - `ranked`: bm25_df() with each phrase's document frequency in `known`
 *   (-1: not known, counted as bm25() does), the same doubles as bm25();
 *   with mode `tiered` or `grouped` also each phrase's code (tierOf), and for
 *   `grouped` the weight of an inflection's occurrence.
 */
export function scoreSql(
  table: string,
  weights: readonly number[],
  ranked: { known: readonly number[]; mode?: RankMode; tiers?: readonly number[]; variantWeight?: number } | null,
): { sql: string; params: RankParam[] } {
  if (!ranked) return { sql: `-bm25(${table}, ${weights.join(', ')})`, params: [] };
  const mode = ranked.mode ?? 'plain';
  const params: RankParam[] = [Buffer.from(new Float64Array(ranked.known).buffer)];
  if (mode !== 'plain') params.push(Buffer.from(new Int32Array(ranked.tiers ?? []).buffer));
  if (mode === 'grouped') params.push(ranked.variantWeight ?? 1);
  return { sql: `-bm25_df(${table}, ${weights.join(', ')}, ${params.map(() => '?').join(', ')})`, params };
}

/**
 * How tiered scores are read: a row holding every typed word scores as the
 * exact pass would, positive; any other row gets its full score, negative.
 * Exact rows first, each part by score, then rowid.
 */
export const tiered = {
  /** SQL: the row (column `score`) holds every typed word. */
  exactSql: 'score > 0',
  /** SQL ORDER BY over columns `score` and `r` (the rowid). */
  orderSql: 'score > 0 DESC, abs(score) DESC, r',
  /** The same order in JavaScript, for merging the answers of several rowid ranges. */
  compare(a: { score: number; r: number }, b: { score: number; r: number }): number {
    return Number(b.score > 0) - Number(a.score > 0) || Math.abs(b.score) - Math.abs(a.score) || a.r - b.r;
  },
  /** The score as its own pass (exact or same-stem) would give it. */
  plain(score: number): number {
    return Math.abs(score);
  },
} as const;

/**
 * The best `k` rows of a ranked MATCH and how many rows it matched, from one
 * aggregate (bm25_top in fts5_rank.c: a heap of k rows instead of SQL's
 * sorter; same order as `ORDER BY score DESC, r`). Only with the extension.
 */
export const topRows = {
  /**
   * The statement over `inner`, a SELECT of columns `r` (the rowid) and
   * `score`; k is its first parameter. `LIMIT -1` keeps SQLite from
   * flattening `inner` into the aggregate, where an FTS5 auxiliary function
   * cannot run.
   */
  sql: (inner: string): string => `SELECT bm25_top(r, score, ?) AS top FROM (${inner} LIMIT -1)`,
  /** The aggregate's blob: an int64 count, then (int64 rowid, double score) per row, best first. */
  read(blob: Uint8Array): { total: number; rows: { r: number; score: number }[] } {
    const v = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    const rows: { r: number; score: number }[] = [];
    for (let at = 8; at + 16 <= blob.byteLength; at += 16) {
      rows.push({ r: Number(v.getBigInt64(at, true)), score: v.getFloat64(at + 8, true) });
    }
    return { total: Number(v.getBigInt64(0, true)), rows };
  },
} as const;
