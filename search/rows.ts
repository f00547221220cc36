// Reading the rows an index must hold: everything changed above a watermark.
// `seq` is the papers table's change counter (see db/schema.ts).
import type Database from 'better-sqlite3';
import type { Db, Sqlite } from '../db/client.ts';
import type { Paper } from '../db/paper.ts';
import { paperFromRow } from '../db/queries.ts';

type RawRow = Parameters<typeof paperFromRow>[0];

const statements = new WeakMap<Sqlite, Database.Statement<[number, number]>>();

function changedStmt(sqlite: Sqlite) {
  let s = statements.get(sqlite);
  if (!s) {
    s = sqlite.prepare<[number, number]>(
      `SELECT id, version, title, abstract, authors, categories, published, updated, comments, journal_ref, doi, license
       FROM papers WHERE seq > ? AND seq <= ? ORDER BY seq`,
    );
    statements.set(sqlite, s);
  }
  return s;
}

/** Papers with watermark < seq <= top, in batches, oldest change first. */
export function* changedSince(db: Db, watermark: number, batch: number, top: number): Generator<Paper[]> {
  let rows: Paper[] = [];
  for (const r of changedStmt(db.sqlite).iterate(watermark, top) as IterableIterator<RawRow>) {
    rows.push(paperFromRow(r));
    if (rows.length >= batch) {
      yield rows;
      rows = [];
    }
  }
  if (rows.length) yield rows;
}
