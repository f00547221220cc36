// Named, typed queries for papers, announcements and crawl state. Every
// ingest path (crawler, importer) writes through ingestBatch, so "newer
// version wins, a re-crawl adds nothing" is decided in one place: mergePaper.
import { type Db, type Sqlite, preparedPerConnection } from './client.ts';
import { type Paper, sortDateOf } from './paper.ts';

export type AnnounceType = 'new' | 'cross' | 'replace' | 'replace-cross';

export interface Announcement {
  date: string;
  category: string;
  paperId: string;
  announceType: AnnounceType;
  position: number;
}

export interface CrawlStateRow {
  source: string;
  setKey: string;
  resume: unknown;
  lastSuccess: number | null;
  lastError: string | null;
  lastErrorAt: number | null;
  updatedAt: number;
}

export interface IngestCounts {
  added: number;
  updated: number;
  unchanged: number;
  /** Older versions than the one we hold: ignored. */
  stale: number;
}

export type MergeAction = 'add' | 'update' | 'unchanged' | 'stale';

/**
 * Decides what an incoming record does to the stored one. Sources differ in
 * what they carry (a daily list has no DOI, a primary-only record has one
 * category), so a field the incoming record lacks keeps its stored value.
 */
export function mergePaper(existing: Paper | null, incoming: Paper): { action: MergeAction; paper: Paper } {
  if (!existing) return { action: 'add', paper: incoming };
  if (incoming.version != null && existing.version != null && incoming.version < existing.version) {
    return { action: 'stale', paper: existing };
  }
  const onlyPrimary =
    incoming.categories.length === 1 &&
    existing.categories.length > 1 &&
    existing.categories[0] === incoming.categories[0];
  const merged: Paper = {
    id: existing.id,
    version: incoming.version ?? existing.version,
    title: incoming.title || existing.title,
    abstract: incoming.abstract || existing.abstract,
    authors: incoming.authors.length ? incoming.authors : existing.authors,
    categories: onlyPrimary || !incoming.categories.length ? existing.categories : incoming.categories,
    published: incoming.published ?? existing.published,
    updated: incoming.updated ?? existing.updated,
    comments: incoming.comments ?? existing.comments,
    journalRef: incoming.journalRef ?? existing.journalRef,
    doi: incoming.doi ?? existing.doi,
    license: incoming.license ?? existing.license,
  };
  return { action: samePaper(existing, merged) ? 'unchanged' : 'update', paper: merged };
}

function samePaper(a: Paper, b: Paper): boolean {
  return (
    a.version === b.version &&
    a.title === b.title &&
    a.abstract === b.abstract &&
    a.published === b.published &&
    a.updated === b.updated &&
    a.comments === b.comments &&
    a.journalRef === b.journalRef &&
    a.doi === b.doi &&
    a.license === b.license &&
    a.authors.join('\u0000') === b.authors.join('\u0000') &&
    a.categories.join(' ') === b.categories.join(' ')
  );
}

interface RawPaperRow {
  id: string;
  version: number | null;
  title: string;
  abstract: string;
  authors: string;
  categories: string;
  published: string | null;
  updated: string | null;
  comments: string | null;
  journal_ref: string | null;
  doi: string | null;
  license: string | null;
  seen_at: number | null;
}

const PAPER_COLUMNS =
  'id, version, title, abstract, authors, categories, published, updated, comments, journal_ref, doi, license, seen_at';

export function paperFromRow(r: RawPaperRow): Paper {
  return {
    id: r.id,
    version: r.version,
    title: r.title,
    abstract: r.abstract,
    authors: JSON.parse(r.authors) as string[],
    categories: JSON.parse(r.categories) as string[],
    published: r.published,
    updated: r.updated,
    comments: r.comments,
    journalRef: r.journal_ref,
    doi: r.doi,
    license: r.license,
    seenAt: r.seen_at,
  };
}

function prepare(sqlite: Sqlite) {
  return {
    get: sqlite.prepare(`SELECT ${PAPER_COLUMNS} FROM papers WHERE id = ?`),
    getMany: sqlite.prepare(`SELECT ${PAPER_COLUMNS} FROM papers WHERE id IN (SELECT value FROM json_each(?))`),
    maxSeq: sqlite.prepare('SELECT coalesce(max(seq), 0) AS s FROM papers').pluck(),
    changed: sqlite.prepare(`SELECT ${PAPER_COLUMNS} FROM papers WHERE seq > ? AND seq <= ? ORDER BY seq`),
    nthChangeAfter: sqlite.prepare('SELECT seq FROM papers WHERE seq > ? ORDER BY seq LIMIT 1 OFFSET ?').pluck(),
    upsert: sqlite.prepare(
      `INSERT INTO papers (id, version, title, abstract, authors, categories, primary_category, published, updated,
         sort_date, comments, journal_ref, doi, license, seen_at, seq)
       VALUES (@id, @version, @title, @abstract, @authors, @categories, @primaryCategory, @published, @updated,
         @sortDate, @comments, @journalRef, @doi, @license, @seenAt, @seq)
       ON CONFLICT(id) DO UPDATE SET version = excluded.version, title = excluded.title, abstract = excluded.abstract,
         authors = excluded.authors, categories = excluded.categories, primary_category = excluded.primary_category,
         published = excluded.published, updated = excluded.updated, sort_date = excluded.sort_date,
         comments = excluded.comments, journal_ref = excluded.journal_ref, doi = excluded.doi,
         license = excluded.license, seen_at = excluded.seen_at, seq = excluded.seq`,
    ),
    touch: sqlite.prepare('UPDATE papers SET seen_at = ? WHERE id = ?'),
    dropCategories: sqlite.prepare('DELETE FROM paper_categories WHERE paper_id = ?'),
    addCategory: sqlite.prepare(
      'INSERT OR IGNORE INTO paper_categories (category, paper_id, sort_date, is_primary) VALUES (?, ?, ?, ?)',
    ),
    announce: sqlite.prepare(
      `INSERT INTO announcements (date, category, paper_id, announce_type, position) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(category, date, paper_id) DO UPDATE SET announce_type = excluded.announce_type,
         position = excluded.position`,
    ),
    count: sqlite.prepare('SELECT count(*) FROM papers').pluck(),
    getState: sqlite.prepare('SELECT * FROM crawl_state WHERE source = ? AND set_key = ?'),
    allStates: sqlite.prepare('SELECT * FROM crawl_state ORDER BY source, set_key'),
    saveState: sqlite.prepare(
      `INSERT INTO crawl_state (source, set_key, resume, last_success, last_error, last_error_at, updated_at)
       VALUES (@source, @setKey, @resume, @lastSuccess, @lastError, @lastErrorAt, @updatedAt)
       ON CONFLICT(source, set_key) DO UPDATE SET resume = excluded.resume, last_success = excluded.last_success,
         last_error = excluded.last_error, last_error_at = excluded.last_error_at, updated_at = excluded.updated_at`,
    ),
  };
}

const stmts = preparedPerConnection(prepare);

export function getPaper(db: Db, id: string): Paper | null {
  const row = stmts(db.sqlite).get.get(id) as RawPaperRow | undefined;
  return row ? paperFromRow(row) : null;
}

/** Papers by id, in the order asked; unknown ids are left out. */
export function getPapers(db: Db, ids: readonly string[]): Paper[] {
  if (!ids.length) return [];
  const rows = stmts(db.sqlite).getMany.all(JSON.stringify(ids)) as RawPaperRow[];
  const byId = new Map(rows.map((r) => [r.id, paperFromRow(r)]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

export function countPapers(db: Db): number {
  return stmts(db.sqlite).count.get() as number;
}

export function maxSeq(db: Db): number {
  return stmts(db.sqlite).maxSeq.get() as number;
}

/** The seq of the n-th changed row after `watermark` (1-based), or null when fewer rows changed. */
export function nthChangeAfter(db: Db, watermark: number, n: number): number | null {
  return (stmts(db.sqlite).nthChangeAfter.get(watermark, Math.max(0, n - 1)) as number | undefined) ?? null;
}

/** Papers changed after `watermark` up to `top` (seq values), oldest change first; streamed. */
export function* papersChangedSince(db: Db, watermark: number, top: number): Generator<Paper> {
  for (const r of stmts(db.sqlite).changed.iterate(watermark, top) as IterableIterator<RawPaperRow>) yield paperFromRow(r);
}

export interface IngestBatch {
  papers?: readonly Paper[];
  announcements?: readonly Announcement[];
  /** Saved in the same transaction, so a resume point never runs ahead of its rows. */
  state?: { source: string; setKey: string; resume: unknown; success?: boolean };
}

/**
 * Writes one page of a crawl or one batch of an import atomically: papers,
 * their category rows, announcements and the resume point commit together
 * or not at all.
 */
export function ingestBatch(db: Db, batch: IngestBatch, now = Date.now()): IngestCounts {
  const s = stmts(db.sqlite);
  const counts: IngestCounts = { added: 0, updated: 0, unchanged: 0, stale: 0 };
  const run = db.sqlite.transaction(() => {
    // Taken inside the write transaction, so concurrent writers never share a seq.
    const seq = (s.maxSeq.get() as number) + 1;
    for (const incoming of batch.papers ?? []) {
      const row = s.get.get(incoming.id) as RawPaperRow | undefined;
      const { action, paper } = mergePaper(row ? paperFromRow(row) : null, incoming);
      if (action === 'add') counts.added++;
      else if (action === 'update') counts.updated++;
      else if (action === 'stale') counts.stale++;
      else counts.unchanged++;
      if (action === 'unchanged' || action === 'stale') {
        s.touch.run(now, paper.id);
        continue;
      }
      const sortDate = sortDateOf(paper);
      s.upsert.run({
        id: paper.id,
        version: paper.version,
        title: paper.title,
        abstract: paper.abstract,
        authors: JSON.stringify(paper.authors),
        categories: JSON.stringify(paper.categories),
        primaryCategory: paper.categories[0],
        published: paper.published,
        updated: paper.updated,
        sortDate,
        comments: paper.comments,
        journalRef: paper.journalRef,
        doi: paper.doi,
        license: paper.license,
        seenAt: now,
        seq,
      });
      if (action === 'update') s.dropCategories.run(paper.id);
      paper.categories.forEach((c, i) => s.addCategory.run(c, paper.id, sortDate, i === 0 ? 1 : 0));
    }
    for (const a of batch.announcements ?? []) {
      s.announce.run(a.date, a.category, a.paperId, a.announceType, a.position);
    }
    if (batch.state) {
      const prev = s.getState.get(batch.state.source, batch.state.setKey) as RawState | undefined;
      s.saveState.run({
        source: batch.state.source,
        setKey: batch.state.setKey,
        resume: batch.state.resume === undefined ? null : JSON.stringify(batch.state.resume),
        lastSuccess: batch.state.success ? now : (prev?.last_success ?? null),
        lastError: batch.state.success ? null : (prev?.last_error ?? null),
        lastErrorAt: batch.state.success ? null : (prev?.last_error_at ?? null),
        updatedAt: now,
      });
    }
  });
  run.immediate();
  return counts;
}

interface RawState {
  source: string;
  set_key: string;
  resume: string | null;
  last_success: number | null;
  last_error: string | null;
  last_error_at: number | null;
  updated_at: number;
}

function stateFromRow(r: RawState): CrawlStateRow {
  return {
    source: r.source,
    setKey: r.set_key,
    resume: r.resume == null ? null : JSON.parse(r.resume),
    lastSuccess: r.last_success,
    lastError: r.last_error,
    lastErrorAt: r.last_error_at,
    updatedAt: r.updated_at,
  };
}

export function getCrawlState(db: Db, source: string, setKey: string): CrawlStateRow | null {
  const r = stmts(db.sqlite).getState.get(source, setKey) as RawState | undefined;
  return r ? stateFromRow(r) : null;
}

export function allCrawlStates(db: Db): CrawlStateRow[] {
  return (stmts(db.sqlite).allStates.all() as RawState[]).map(stateFromRow);
}

/** Records a failed crawl without moving its resume point. */
export function recordCrawlError(db: Db, source: string, setKey: string, message: string, now = Date.now()): void {
  const s = stmts(db.sqlite);
  const prev = s.getState.get(source, setKey) as RawState | undefined;
  s.saveState.run({
    source,
    setKey,
    resume: prev?.resume ?? null,
    lastSuccess: prev?.last_success ?? null,
    lastError: message,
    lastErrorAt: now,
    updatedAt: now,
  });
}

/**
 * The date each paper sorts by (`papers.sort_date`: its first-version date
 * when known, else its id's month; see sortDateOf), for ids that exist.
 */
export function sortDates(db: Db, ids: readonly string[]): Map<string, string> {
  if (!ids.length) return new Map();
  const rows = db.sqlite
    .prepare('SELECT id, sort_date AS d FROM papers WHERE id IN (SELECT value FROM json_each(?))')
    .all(JSON.stringify(ids)) as { id: string; d: string }[];
  return new Map(rows.map((r) => [r.id, r.d]));
}
