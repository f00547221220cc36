// SQL for the reading pages: category listings (announcement days, with a
// newest-first fallback), category counts, the math cache and translations.
import { type Db, type Sqlite, preparedPerConnection } from './client.ts';
import type { AnnounceType } from './queries.ts';
import { changesOf } from './changes.ts';
import { CategoryMatcher, type CategorySelection } from './category-matcher.ts';
import { canonicalCategory } from './taxonomy.ts';
import { LRUCache } from 'lru-cache';

export type { CategorySelection };

export interface ListedEntry {
  id: string;
  /** Null in the newest-first fallback (no announcement rows). */
  type: AnnounceType | null;
}

function prepare(sqlite: Sqlite) {
  return {
    mathGet: sqlite.prepare('SELECT html, ok FROM math_cache WHERE key = ?'),
    mathPut: sqlite.prepare('INSERT OR REPLACE INTO math_cache (key, html, ok) VALUES (?, ?, ?)'),
    mathCount: sqlite.prepare('SELECT count(*) FROM math_cache').pluck(),
    // Walks the table in rowid order (a primary-key range scan, cheap per batch) over rows changed in (fromSeq, top];
    // the unary + keeps SQLite off the seq index, which would mean sorting every changed row for each batch.
    withMath: sqlite.prepare(
      `SELECT rowid AS r, title, abstract FROM papers
       WHERE rowid > @rowid AND +seq > @fromSeq AND +seq <= @top
         AND (instr(title, '$') OR instr(abstract, '$') OR instr(abstract, '\\(') OR instr(abstract, '\\[')
              OR instr(title, '\\('))
       ORDER BY rowid LIMIT @limit`,
    ),
    categories: sqlite.prepare('SELECT DISTINCT category FROM paper_categories').pluck(),
    annCategories: sqlite.prepare('SELECT DISTINCT category FROM announcements').pluck(),
    countsAll: sqlite.prepare('SELECT category, count(*) AS n FROM paper_categories GROUP BY category'),
    latestDay: sqlite.prepare('SELECT max(date) FROM announcements').pluck(),
    countsDay: sqlite.prepare(
      `SELECT category, count(*) AS n, sum(announce_type = 'new') AS fresh FROM announcements WHERE date = ? GROUP BY category`,
    ),
    trGet: sqlite.prepare('SELECT title, abstract FROM translations WHERE paper_id = ? AND version = ? AND lang = ?'),
    trPut: sqlite.prepare(
      `INSERT OR REPLACE INTO translations (paper_id, version, lang, title, abstract, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
    ),
  };
}

const stmts = preparedPerConnection(prepare);

// ---------- math cache ----------

export function getMathCached(db: Db, key: string): { html: string; ok: boolean } | null {
  const r = stmts(db.sqlite).mathGet.get(key) as { html: string; ok: number } | undefined;
  return r ? { html: r.html, ok: !!r.ok } : null;
}

export function putMathCached(db: Db, key: string, html: string, ok: boolean): void {
  stmts(db.sqlite).mathPut.run(key, html, ok ? 1 : 0);
}

export function countMathCached(db: Db): number {
  return stmts(db.sqlite).mathCount.get() as number;
}

/** A paper whose title or abstract may hold formulas; `rowid` orders the walk. */
export interface PaperWithMath {
  rowid: number;
  title: string;
  abstract: string;
}

/**
 * Up to `limit` papers after `rowid` (in rowid order) changed in (fromSeq, top]
 * whose title or abstract may hold a formula: one step of the math fill's walk.
 */
export function papersWithMathAfter(db: Db, w: { rowid: number; fromSeq: number; top: number }, limit: number): PaperWithMath[] {
  return (stmts(db.sqlite).withMath.all({ rowid: w.rowid, fromSeq: w.fromSeq, top: w.top, limit }) as { r: number; title: string; abstract: string }[]).map(
    (r) => ({ rowid: r.r, title: r.title, abstract: r.abstract }),
  );
}

// ---------- categories ----------

let matcherCache: { at: number; db: Sqlite; matcher: CategoryMatcher } | null = null;

/** The category matcher over the taxonomy and every category the database holds, rebuilt at most once a minute. */
export function categoryMatcher(db: Db): CategoryMatcher {
  const now = Date.now();
  if (matcherCache && matcherCache.db === db.sqlite && now - matcherCache.at < 60_000) return matcherCache.matcher;
  const s = stmts(db.sqlite);
  const stored = new Set<string>([...(s.categories.all() as string[]), ...(s.annCategories.all() as string[])]);
  const matcher = new CategoryMatcher(stored);
  matcherCache = { at: now, db: db.sqlite, matcher };
  return matcher;
}

/** SQL condition matching a category column against names (CategoryMatcher.sql). */
function catCondition(db: Db, col: string, cats: readonly string[], params: string[]): string {
  return categoryMatcher(db).sql(col, cats, params);
}

function excludeCondition(db: Db, sel: CategorySelection, params: string[]): string {
  if (!sel.exclude.length) return '';
  // Uncorrelated on purpose: SQLite builds the excluded set once instead of probing per row.
  return ` AND t.paper_id NOT IN (SELECT x.paper_id FROM paper_categories x WHERE ${catCondition(db, 'x.category', sel.exclude, params)})`;
}

/** The announcement days of a selection, newest first. */
export function announcementDays(db: Db, sel: CategorySelection, limit = 60): string[] {
  const params: string[] = [];
  const where = catCondition(db, 'category', sel.include, params);
  return db.sqlite
    .prepare(`SELECT DISTINCT date FROM announcements WHERE ${where} ORDER BY date DESC LIMIT ${Number(limit)}`)
    .pluck()
    .all(...params) as string[];
}

const TYPE_RANK: Record<string, number> = { new: 0, cross: 1, replace: 2, 'replace-cross': 3 };

/**
 * One announcement day in arXiv's order: new submissions, then cross-lists,
 * then replacements; for a union, each paper once with its strongest badge.
 */
export function announcedDay(db: Db, sel: CategorySelection, date: string): ListedEntry[] {
  const params: string[] = [date];
  const where = catCondition(db, 't.category', sel.include, params);
  const excl = excludeCondition(db, sel, params);
  const rows = db.sqlite
    .prepare(
      `SELECT t.paper_id AS id, t.announce_type AS type, t.category AS category, t.position AS position
       FROM announcements t WHERE t.date = ? AND ${where}${excl}`,
    )
    .all(...params) as { id: string; type: AnnounceType; category: string; position: number }[];
  const m = categoryMatcher(db);
  const catIndex = (c: string) => {
    const i = sel.include.findIndex((x) => m.covers(x, c));
    return i < 0 ? sel.include.length : i;
  };
  rows.sort(
    (a, b) =>
      (TYPE_RANK[a.type] ?? 9) - (TYPE_RANK[b.type] ?? 9) ||
      catIndex(a.category) - catIndex(b.category) ||
      a.category.localeCompare(b.category) ||
      a.position - b.position,
  );
  const seen = new Set<string>();
  const out: ListedEntry[] = [];
  for (const r of rows) {
    if (seen.has(r.id)) continue;
    seen.add(r.id);
    out.push({ id: r.id, type: r.type });
  }
  return out;
}

function newestSql(db: Db, sel: CategorySelection, before: string | null | undefined): { sql: string; params: string[] } {
  const params: string[] = [];
  const where = catCondition(db, 't.category', sel.include, params);
  const excl = excludeCondition(db, sel, params);
  const bound = before ? ` AND t.sort_date <= ?` : '';
  if (before) params.push(before + '~');
  const single = sel.include.length === 1 && categoryMatcher(db).cover(sel.include[0]).exact.length === 1 && !categoryMatcher(db).cover(sel.include[0]).prefix;
  // One category: each paper appears once, no grouping needed, so the index answers directly.
  const sql = single
    ? `SELECT t.paper_id AS id, t.sort_date AS d FROM paper_categories t WHERE ${where}${excl}${bound}`
    : `SELECT t.paper_id AS id, max(t.sort_date) AS d FROM paper_categories t WHERE ${where}${excl}${bound} GROUP BY t.paper_id`;
  return { sql, params };
}

/**
 * Whole ordered lists of the expensive selections (unions, archives,
 * exclusions), while the data is unchanged: an LRU bounded in bytes (about 24
 * bytes an id), so a reader choosing many large selections evicts older ones
 * instead of growing it.
 */
const listCache = new LRUCache<string, { seq: number; at: number; ids: string[] }>({
  maxSize: 48 * 1024 * 1024,
  sizeCalculation: (v, k) => 2 * k.length + 24 * v.ids.length + 64,
});

/** Bytes the cached lists take (tests). */
export function listCacheBytes(): number {
  return listCache.calculatedSize;
}

/** Every id of a selection, newest first (cached per selection until the next ingest, at most a minute). */
export function allInSelection(db: Db, sel: CategorySelection, before?: string | null): string[] {
  const key = JSON.stringify([db.path, sel.include, sel.exclude, before ?? null]);
  const seq = changesOf(db).current();
  const now = Date.now();
  const hit = listCache.get(key);
  if (hit && hit.seq === seq && now - hit.at < 60_000) return hit.ids;
  const { sql, params } = newestSql(db, sel, before);
  const ids = db.sqlite.prepare(`${sql} ORDER BY d DESC, id DESC`).pluck().all(...params) as string[];
  listCache.set(key, { seq, at: now, ids });
  return ids;
}

/** The stored categories a selection's names cover: exact ids, and for an archive each `archive.x` present, by index seeks. */
export function storedCategories(db: Db, names: readonly string[]): string[] {
  const out = new Set<string>();
  const next = db.sqlite.prepare('SELECT min(category) FROM paper_categories WHERE category > ? AND category < ?').pluck();
  for (const name of names) {
    const c = categoryMatcher(db).cover(name);
    for (const id of c.exact) out.add(id);
    if (!c.prefix) continue;
    // A loose index scan: one seek per distinct category under the prefix, however many rows each holds.
    const end = `${c.prefix.slice(0, -1)}/`;
    for (let cat = next.get(c.prefix.slice(0, -1) + '.', end) as string | null; cat; cat = next.get(cat, end) as string | null) out.add(cat);
  }
  return [...out];
}

/**
 * The newest `limit` papers of a selection (at most), newest first, read as
 * each covered category's newest `limit` rows from its index and merged:
 * the cost follows the number of categories times `limit`, not the size of
 * the selection, so a whole archive of a million papers answers as fast as
 * a small category. Excluded papers never count toward `limit`.
 */
export function newestIds(db: Db, sel: CategorySelection, limit: number, before?: string | null): string[] {
  // Each covered category's newest, at or after the date of the newest `limit` found so far: a
  // whole archive reads about `limit` rows per category it shares papers with, not `limit` per
  // category. Exclusions are probed per row read (correlated), so the floor counts kept papers only.
  const params: string[] = [];
  const excluded = sel.exclude.length
    ? ` AND NOT EXISTS (SELECT 1 FROM paper_categories x WHERE x.paper_id = t.paper_id AND ${catCondition(db, 'x.category', sel.exclude, params)})`
    : '';
  const bound = before ? [`${before}~`] : [];
  const stmt = db.sqlite.prepare(
    `SELECT t.paper_id AS id, t.sort_date AS d FROM paper_categories t
     WHERE t.category = ? AND t.sort_date >= ?${before ? ' AND t.sort_date <= ?' : ''}${excluded}
     ORDER BY t.sort_date DESC, t.paper_id DESC LIMIT ?`,
  );
  const cats = storedCategories(db, sel.include);
  const newest = new Map<string, string>();
  let floor = '';
  if (!excluded) {
    // Any category holding `limit` papers at or after its limit-th newest date bounds the answer from below.
    const nth = db.sqlite
      .prepare(`SELECT sort_date FROM paper_categories WHERE category = ?${before ? ' AND sort_date <= ?' : ''} ORDER BY sort_date DESC LIMIT 1 OFFSET ?`)
      .pluck();
    for (const cat of cats) {
      const d = nth.get(cat, ...bound, limit - 1) as string | undefined;
      if (d !== undefined && d > floor) floor = d;
    }
  }
  for (const cat of cats) {
    const rows = stmt.all(cat, floor, ...bound, ...params, limit) as { id: string; d: string }[];
    for (const r of rows) newest.set(r.id, r.d);
    // Raised (and the map pruned) each time it doubles: sorting stays linear in the rows read.
    if (newest.size < 2 * limit) continue;
    floor = [...newest.values()].sort().at(-limit)!;
    for (const [id, d] of newest) if (d < floor) newest.delete(id);
  }
  return [...newest]
    .sort((a, b) => (a[1] < b[1] ? 1 : a[1] > b[1] ? -1 : a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0))
    .slice(0, limit)
    .map(([id]) => id);
}

/** Newest first from paper_categories, for categories without announcement rows. `before` is an ISO date bound (inclusive). */
export function newestInSelection(
  db: Db,
  sel: CategorySelection,
  opts: { offset: number; limit: number; before?: string | null },
): { ids: string[]; total: number } {
  const cover = sel.include.length === 1 ? categoryMatcher(db).cover(sel.include[0]) : null;
  const simple = !!cover && cover.exact.length === 1 && !cover.prefix && !sel.exclude.length;
  if (!simple) {
    const all = allInSelection(db, sel, opts.before);
    return { ids: all.slice(opts.offset, opts.offset + opts.limit), total: all.length };
  }
  const { sql, params } = newestSql(db, sel, opts.before);
  const ids = db.sqlite
    .prepare(`${sql} ORDER BY d DESC, id DESC LIMIT ${Number(opts.limit)} OFFSET ${Number(opts.offset)}`)
    .pluck()
    .all(...params) as string[];
  const total = db.sqlite.prepare(`SELECT count(*) FROM (${sql})`).pluck().get(...params) as number;
  return { ids, total };
}

/** Whether the selection has any announcement row at all. */
export function hasAnnouncements(db: Db, sel: CategorySelection): boolean {
  return announcementDays(db, sel, 1).length > 0;
}

export interface CategoryCount {
  category: string;
  /** Papers held in this category. */
  papers: number;
  /** Announced on the latest announcement day, and how many of those were new; null without announcements. */
  today: number | null;
  fresh: number | null;
}

let countsCache: { at: number; db: Sqlite; value: { day: string | null; counts: CategoryCount[] } } | null = null;

/** Per category: papers held, plus counts of the latest announcement day. Cached for a minute. */
export function categoryCounts(db: Db): { day: string | null; counts: CategoryCount[] } {
  const now = Date.now();
  if (countsCache && countsCache.db === db.sqlite && now - countsCache.at < 60_000) return countsCache.value;
  const s = stmts(db.sqlite);
  const day = s.latestDay.get() as string | null;
  // Aliases and retired archives count under their canonical category (db/taxonomy.ts).
  const byCat = new Map<string, CategoryCount>();
  const storedIds = new Map<string, string[]>();
  for (const r of s.countsAll.all() as { category: string; n: number }[]) {
    const id = canonicalCategory(r.category);
    const c = byCat.get(id) ?? { category: id, papers: 0, today: null, fresh: null };
    c.papers += r.n;
    byCat.set(id, c);
    storedIds.set(id, [...(storedIds.get(id) ?? []), r.category]);
  }
  // A paper filed under both an id and its alias (cs.NA and math.NA) counts once.
  for (const [id, ids] of storedIds) {
    if (ids.length < 2) continue;
    byCat.get(id)!.papers = db.sqlite
      .prepare(`SELECT count(DISTINCT paper_id) FROM paper_categories WHERE category IN (${ids.map(() => '?').join(', ')})`)
      .pluck()
      .get(...ids) as number;
  }
  if (day) {
    for (const r of s.countsDay.all(day) as { category: string; n: number; fresh: number }[]) {
      const id = canonicalCategory(r.category);
      const c = byCat.get(id) ?? { category: id, papers: 0, today: null, fresh: null };
      c.today = (c.today ?? 0) + r.n;
      c.fresh = (c.fresh ?? 0) + r.fresh;
      byCat.set(id, c);
    }
  }
  const counts = [...byCat.values()].sort((a, b) => a.category.localeCompare(b.category));
  const value = { day, counts };
  countsCache = { at: now, db: db.sqlite, value };
  return value;
}

// ---------- translations ----------

export interface StoredTranslation {
  title: string;
  abstract: string;
}

export function getTranslation(db: Db, id: string, version: number | null, lang: string): StoredTranslation | null {
  return (stmts(db.sqlite).trGet.get(id, version ?? 0, lang) as StoredTranslation | undefined) ?? null;
}

/** How many translations were stored since `sinceMs` (epoch ms): the day's spend when the server starts. */
export function countTranslationsSince(db: Db, sinceMs: number): number {
  return (db.sqlite.prepare('SELECT count(*) AS n FROM translations WHERE created_at >= ?').get(sinceMs) as { n: number }).n;
}

/** Removes a paper's cached translations (every version; one language when `lang` is given); returns how many. */
export function deleteTranslations(db: Db, id: string, lang?: string): number {
  const sql = lang ? 'DELETE FROM translations WHERE paper_id = ? AND lang = ?' : 'DELETE FROM translations WHERE paper_id = ?';
  return db.sqlite.prepare(sql).run(...(lang ? [id, lang] : [id])).changes;
}

export function putTranslation(db: Db, id: string, version: number | null, lang: string, t: StoredTranslation, now = Date.now()): void {
  stmts(db.sqlite).trPut.run(id, version ?? 0, lang, t.title, t.abstract, now);
}
