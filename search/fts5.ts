// The SQLite FTS5 engine, for corpora the in-process index cannot hold.
// The index lives in the same database file as an external-content table
// over `papers`, kept in step by triggers, so every writer (crawler,
// importer, any process) updates it in the same transaction as the row.
// All of this engine's SQL is in this file.
import type { Db } from '../db/client.ts';
import { countPapers, getPaper, getPapers, maxSeq } from '../db/queries.ts';
import type { RelatedResult, SearchEngine, SearchHit, SearchOptions, SearchResult } from './types.ts';
import { hasFilters, hasPositive, parseQuery, type QueryFilters, type QueryNode } from './query.ts';
import { keywords, type Keyword } from './keywords.ts';
import { stem, terms } from './tokenize.ts';

/** Same-stem variants are searched only when the exact words match fewer papers than this. */
export const VARIANTS_BELOW = 100;

/** How many FTS5 candidates related papers are re-ranked from. */
const RELATED_POOL = 200;

export interface Fts5Tuning {
  /** FTS5 tokenizer spec. */
  tokenizer: string;
  /**
   * Words are indexed as written; with stemming on, papers that have only a
   * same-stem variant of a query word ("quantization" for "quantized") follow
   * the exact matches (FTS5 cannot weight alternatives, so they come after),
   * when the exact words find fewer than VARIANTS_BELOW papers.
   */
  useStem: boolean;
  /** bm25() column weights: title, abstract, authors. */
  weights: [number, number, number];
  /** As in MiniSearchTuning: AND with an OR fallback, or OR throughout. */
  andFirst: boolean;
}

/** Chosen by `npm run bench:search` (known-item MRR@10); see BENCHMARKS.md. */
export const DEFAULT_FTS5_TUNING: Fts5Tuning = {
  tokenizer: 'unicode61 remove_diacritics 2',
  useStem: true,
  weights: [1, 1, 1],
  andFirst: true,
};

const TABLE = 'papers_fts';

/** Creates the FTS table and its triggers if missing; fills it once if it is behind. */
export function ensureFts5(db: Db, tuning: Fts5Tuning = DEFAULT_FTS5_TUNING, log: (line: string) => void = () => {}): void {
  const s = db.sqlite;
  const setup = s.transaction(() => {
    const existing = s.prepare("SELECT sql FROM sqlite_master WHERE name = ?").pluck().get(TABLE) as string | undefined;
    if (existing && !existing.includes(`tokenize='${tuning.tokenizer.replace(/'/g, "''")}'`)) {
      log(`search: FTS5 table has another tokenizer, recreating it`);
      s.exec(`DROP TABLE ${TABLE}; DROP TABLE IF EXISTS ${TABLE}_vocab;`);
    }
    s.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS ${TABLE} USING fts5(title, abstract, authors,
      content='papers', content_rowid='rowid', tokenize='${tuning.tokenizer.replace(/'/g, "''")}');
    CREATE VIRTUAL TABLE IF NOT EXISTS ${TABLE}_vocab USING fts5vocab(${TABLE}, 'row');
    CREATE TRIGGER IF NOT EXISTS ${TABLE}_ai AFTER INSERT ON papers BEGIN
      INSERT INTO ${TABLE}(rowid, title, abstract, authors) VALUES (new.rowid, new.title, new.abstract, new.authors);
    END;
    CREATE TRIGGER IF NOT EXISTS ${TABLE}_ad AFTER DELETE ON papers BEGIN
      INSERT INTO ${TABLE}(${TABLE}, rowid, title, abstract, authors) VALUES ('delete', old.rowid, old.title, old.abstract, old.authors);
    END;
    CREATE TRIGGER IF NOT EXISTS ${TABLE}_au AFTER UPDATE OF title, abstract, authors ON papers BEGIN
      INSERT INTO ${TABLE}(${TABLE}, rowid, title, abstract, authors) VALUES ('delete', old.rowid, old.title, old.abstract, old.authors);
      INSERT INTO ${TABLE}(rowid, title, abstract, authors) VALUES (new.rowid, new.title, new.abstract, new.authors);
    END;`);
    // count(*) on an external-content table counts the content; docsize is the index's own.
    const indexed = s.prepare(`SELECT count(*) FROM ${TABLE}_docsize`).pluck().get() as number;
    const rows = countPapers(db);
    if (indexed !== rows) {
      const t = performance.now();
      s.exec(`INSERT INTO ${TABLE}(${TABLE}) VALUES ('rebuild')`);
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

/** Compiles a tree with at least one positive part to an FTS5 MATCH expression. */
export function toFts5(node: QueryNode): string {
  switch (node.kind) {
    case 'term':
      return node.field ? `${COLUMN[node.field]} : ${lit(node.word)}` : lit(node.word);
    case 'phrase': {
      const p = lit(node.words.join(' '));
      return node.field ? `${COLUMN[node.field]} : ${p}` : p;
    }
    case 'or':
      return `(${node.children.map(toFts5).join(' OR ')})`;
    case 'and': {
      const pos = node.children.filter((c) => c.kind !== 'not');
      const neg = node.children.filter((c): c is Extract<QueryNode, { kind: 'not' }> => c.kind === 'not');
      if (!pos.length) throw new Error('toFts5: an AND needs a positive part');
      let expr = pos.length === 1 ? toFts5(pos[0]) : `(${pos.map(toFts5).join(' AND ')})`;
      for (const n of neg) expr = `(${expr} NOT ${toFts5(n.child)})`;
      return expr;
    }
    case 'not':
      throw new Error('toFts5: a lone NOT has nothing to subtract from');
  }
}

/** Like toFts5, but each bare word may also be any of its variants (`expand`). Phrases stay exact. */
export function toFts5Expanded(node: QueryNode, expand: (word: string) => string[]): string {
  switch (node.kind) {
    case 'term': {
      const alts = expand(node.word).map(lit);
      const e = alts.length === 1 ? alts[0] : `(${alts.join(' OR ')})`;
      return node.field ? `${COLUMN[node.field]} : ${e}` : e;
    }
    case 'phrase':
      return toFts5(node);
    case 'or':
      return `(${node.children.map((c) => toFts5Expanded(c, expand)).join(' OR ')})`;
    case 'and': {
      const pos = node.children.filter((c) => c.kind !== 'not');
      const neg = node.children.filter((c): c is Extract<QueryNode, { kind: 'not' }> => c.kind === 'not');
      if (!pos.length) throw new Error('toFts5Expanded: an AND needs a positive part');
      let expr = pos.length === 1 ? toFts5Expanded(pos[0], expand) : `(${pos.map((c) => toFts5Expanded(c, expand)).join(' AND ')})`;
      // An excluded word excludes its variants too.
      for (const n of neg) expr = `(${expr} NOT ${toFts5Expanded(n.child, expand)})`;
      return expr;
    }
    case 'not':
      throw new Error('toFts5Expanded: a lone NOT has nothing to subtract from');
  }
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

/** The same query with its top-level words and phrases joined by OR, if that differs. */
function relax(node: QueryNode | null): QueryNode | null {
  if (node?.kind !== 'and') return null;
  const loose = node.children.filter((c) => c.kind === 'term' || c.kind === 'phrase');
  if (loose.length < 2) return null;
  const rest = node.children.filter((c) => c.kind !== 'term' && c.kind !== 'phrase');
  return rest.length ? { kind: 'and', children: [{ kind: 'or', children: loose }, ...rest] } : { kind: 'or', children: loose };
}

export class Fts5Engine implements SearchEngine {
  readonly name = 'fts5' as const;
  private watermark: number;

  private readonly vocabRange;

  private constructor(
    private readonly db: Db,
    readonly tuning: Fts5Tuning,
  ) {
    this.watermark = maxSeq(db);
    this.vocabRange = db.sqlite.prepare(`SELECT term FROM ${TABLE}_vocab WHERE term >= ? AND term < ? LIMIT 400`).pluck();
  }

  static open(db: Db, opts: { log?: (line: string) => void; tuning?: Fts5Tuning } = {}): Fts5Engine {
    const tuning = opts.tuning ?? DEFAULT_FTS5_TUNING;
    ensureFts5(db, tuning, opts.log);
    return new Fts5Engine(db, tuning);
  }

  private bm25(): string {
    return `bm25(${TABLE}, ${this.tuning.weights.join(', ')})`;
  }

  /** The SQL that restricts a MATCH to the query's filters and an optional id set, with its parameters. */
  private restriction(match: string, f: QueryFilters, within: ReadonlySet<string> | undefined): { extra: string; params: (string | number)[] } {
    const fs = filterSql(f);
    let extra = fs.where;
    const params: (string | number)[] = [match, ...fs.params];
    if (within) {
      extra += ' AND p.id IN (SELECT value FROM json_each(?))';
      params.push(JSON.stringify([...within]));
    }
    return { extra, params };
  }

  private matchPage(match: string, f: QueryFilters, within: ReadonlySet<string> | undefined, limit: number, offset: number): Row[] {
    const { extra, params } = this.restriction(match, f, within);
    if (!extra) {
      // No filter: rank on the FTS table alone and join only the page's rows to
      // papers (joining every match cost a B-tree lookup per match: 10x at 1 M papers).
      // The total then comes from count(), which needs no bm25().
      return this.db.sqlite
        .prepare(
          `SELECT p.id AS id, s.score AS score, -1 AS total FROM
             (SELECT rowid, -${this.bm25()} AS score FROM ${TABLE} WHERE ${TABLE} MATCH ? ORDER BY score DESC, rowid LIMIT ? OFFSET ?) s
           JOIN papers p ON p.rowid = s.rowid ORDER BY s.score DESC, s.rowid`,
        )
        .all(match, limit, offset) as Row[];
    }
    return this.db.sqlite
      .prepare(
        // bm25() cannot run inside a window query; the CTE scores first, then counts.
        `WITH m AS MATERIALIZED (
           SELECT p.id AS id, -${this.bm25()} AS score FROM ${TABLE} JOIN papers p ON p.rowid = ${TABLE}.rowid
           WHERE ${TABLE} MATCH ?${extra})
         SELECT id, score, count(*) OVER () AS total FROM m ORDER BY score DESC, id LIMIT ? OFFSET ?`,
      )
      .all(...params, limit, offset) as Row[];
  }

  private count(match: string, f: QueryFilters, within: ReadonlySet<string> | undefined): number {
    const { extra, params } = this.restriction(match, f, within);
    const sql = extra
      ? `SELECT count(*) FROM ${TABLE} JOIN papers p ON p.rowid = ${TABLE}.rowid WHERE ${TABLE} MATCH ?${extra}`
      : `SELECT count(*) FROM ${TABLE} WHERE ${TABLE} MATCH ?`;
    return this.db.sqlite.prepare(sql).pluck().get(...params) as number;
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
      const exclude = negs.length ? negs.map(toFts5).join(' OR ') : null;
      const rows = this.scanPage(exclude, f, within, limit, offset);
      const total = rows.length ? rows[0].total : offset > 0 ? (this.scanPage(exclude, f, within, 1, 0)[0]?.total ?? 0) : 0;
      return { rows, total };
    }
    const match = toFts5(root);
    const wide = this.tuning.useStem ? toFts5Expanded(root, (w) => this.variants(w)) : match;
    // A window total of -1 means the page query did not count (see matchPage).
    const totalOf = (rows: Row[], expr: string) => (rows.length && rows[0].total >= 0 ? rows[0].total : this.count(expr, f, within));
    const rowsA = this.matchPage(match, f, within, limit, offset);
    const totalA = totalOf(rowsA, match);
    // Variants cost a second and third pass over OR-expanded lists (3x at 1 M papers),
    // so they are added only when the words as typed find few papers.
    if (wide === match || totalA >= VARIANTS_BELOW) return { rows: rowsA, total: totalA };
    // Exact matches first, then the papers that only have variants of the words.
    const rest = `(${wide}) NOT (${match})`;
    const needB = limit - rowsA.length;
    const rowsB = needB > 0 ? this.matchPage(rest, f, within, needB, Math.max(0, offset - totalA)) : [];
    const totalB = totalOf(rowsB, rest);
    return { rows: [...rowsA, ...rowsB], total: totalA + totalB };
  }

  /** The word and the indexed words sharing its Porter stem (from the FTS5 vocabulary, by prefix). */
  private variants(word: string): string[] {
    if (!/^\p{L}+$/u.test(word)) return [word];
    const s = stem(word);
    let prefix = 0;
    while (prefix < s.length && prefix < word.length && s[prefix] === word[prefix]) prefix++;
    if (prefix < 3) return [word];
    const lo = word.slice(0, prefix);
    const hi = lo.slice(0, -1) + String.fromCharCode(lo.charCodeAt(lo.length - 1) + 1);
    const out = [word];
    for (const t of this.vocabRange.iterate(lo, hi) as IterableIterator<string>) {
      if (t !== word && stem(t) === s) out.push(t);
      if (out.length > 24) break;
    }
    return out;
  }

  search(query: string, options: SearchOptions = {}): SearchResult {
    const parsed = parseQuery(query);
    const offset = Math.max(0, options.offset ?? 0);
    const limit = Math.max(0, options.limit ?? 20);
    if (!parsed.root && !hasFilters(parsed.filters)) return { total: 0, hits: [], highlightTerms: [] };
    const within = options.within;
    const relaxed = relax(parsed.root);
    let { rows, total } = this.page(!this.tuning.andFirst && relaxed ? relaxed : parsed.root, parsed.filters, within, limit, offset);
    if (total === 0 && this.tuning.andFirst && relaxed) ({ rows, total } = this.page(relaxed, parsed.filters, within, limit, offset));
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
    return { total, hits, highlightTerms: terms };
  }

  private docFreq(term: string): number {
    return (this.db.sqlite.prepare(`SELECT doc FROM ${TABLE}_vocab WHERE term = ?`).pluck().get(term) as number | undefined) ?? 0;
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
        `SELECT p.id AS id, -${this.bm25()} AS score FROM ${TABLE} JOIN papers p ON p.rowid = ${TABLE}.rowid
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
    const kw = keywords(p, (t) => this.docFreq(t), countPapers(this.db), { useStem: false });
    return this.relatedBy(kw, size, p.id);
  }

  relatedText(text: string, size: number): RelatedResult {
    const kw = keywords({ title: '', abstract: text }, (t) => this.docFreq(t), countPapers(this.db), { minDf: 1, useStem: false });
    return this.relatedBy(kw, size, null);
  }

  /** The triggers did the work; this only moves the watermark and reports how much changed. */
  sync(): number {
    const top = maxSeq(this.db);
    if (top <= this.watermark) return 0;
    const n = this.db.sqlite.prepare('SELECT count(*) FROM papers WHERE seq > ? AND seq <= ?').pluck().get(this.watermark, top) as number;
    this.watermark = top;
    return n;
  }

  close(): void {}
}

