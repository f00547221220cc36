// Reading the rows an index must hold: everything changed above a watermark.
// `seq` is the papers table's change counter (see db/schema.ts).
import type { Db } from '../db/client.ts';
import type { Paper } from '../db/paper.ts';
import { papersChangedSince } from '../db/queries.ts';

/** Papers with watermark < seq <= top, in batches, oldest change first. */
export function* changedSince(db: Db, watermark: number, batch: number, top: number): Generator<Paper[]> {
  let rows: Paper[] = [];
  for (const p of papersChangedSince(db, watermark, top)) {
    rows.push(p);
    if (rows.length >= batch) {
      yield rows;
      rows = [];
    }
  }
  if (rows.length) yield rows;
}
