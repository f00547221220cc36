// The private full-text cache (table fulltext_cache): one row per paper
// version, bounded in bytes, least recently used rows evicted first. Only the
// assistant's code reads it; no route serves it.
import { type Db, type Sqlite, preparedPerConnection } from './client.ts';

export interface FullTextSection {
  /** The heading as the paper writes it ("1 Introduction"); "" for text before the first heading. */
  title: string;
  /** Heading depth: 1 for the paper's title or a PDF page, 2 for a section, 3 for a subsection… */
  level: number;
  text: string;
}

export interface StoredFullText {
  source: 'html' | 'pdf';
  text: string;
  sections: FullTextSection[];
}

const statements = preparedPerConnection((sqlite: Sqlite) => ({
  get: sqlite.prepare('SELECT source, text, sections FROM fulltext_cache WHERE paper_id = ? AND version = ?'),
  touch: sqlite.prepare('UPDATE fulltext_cache SET used_at = ? WHERE paper_id = ? AND version = ?'),
  put: sqlite.prepare(
    `INSERT OR REPLACE INTO fulltext_cache (paper_id, version, source, text, sections, bytes, created_at, used_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ),
  total: sqlite.prepare('SELECT coalesce(sum(bytes), 0) FROM fulltext_cache').pluck(),
  oldest: sqlite.prepare('SELECT paper_id, version, bytes FROM fulltext_cache ORDER BY used_at, created_at LIMIT 64'),
  drop: sqlite.prepare('DELETE FROM fulltext_cache WHERE paper_id = ? AND version = ?'),
}));

/** The cached text of (id, version), marking it used; null when not cached. `version` 0 means "latest". */
export function getFullText(db: Db, id: string, version: number, now = Date.now()): StoredFullText | null {
  const s = statements(db.sqlite);
  const row = s.get.get(id, version) as { source: 'html' | 'pdf'; text: string; sections: string } | undefined;
  if (!row) return null;
  s.touch.run(now, id, version);
  return { source: row.source, text: row.text, sections: JSON.parse(row.sections) as FullTextSection[] };
}

/**
 * Stores a text and evicts least recently used rows until the table holds at
 * most `maxBytes`. A text larger than the whole bound is not stored.
 */
export function putFullText(db: Db, id: string, version: number, t: StoredFullText, maxBytes: number, now = Date.now()): boolean {
  const sections = JSON.stringify(t.sections);
  const bytes = Buffer.byteLength(t.text) + Buffer.byteLength(sections);
  if (bytes > maxBytes) return false;
  const s = statements(db.sqlite);
  db.sqlite.transaction(() => {
    s.put.run(id, version, t.source, t.text, sections, bytes, now, now);
    let total = s.total.get() as number;
    while (total > maxBytes) {
      const victims = s.oldest.all() as { paper_id: string; version: number; bytes: number }[];
      let dropped = false;
      for (const v of victims) {
        if (total <= maxBytes) break;
        if (v.paper_id === id && v.version === version) continue;
        s.drop.run(v.paper_id, v.version);
        total -= v.bytes;
        dropped = true;
      }
      if (!dropped) break;
    }
  })();
  return true;
}

/** Bytes the cache holds now. */
export function fullTextCacheBytes(db: Db): number {
  return statements(db.sqlite).total.get() as number;
}
