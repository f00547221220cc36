// Both local engines over one fresh database of hand-made papers, for tests
// that compare them paper by paper: built before the file's tests, closed after.
import { before, after } from 'node:test';
import { join } from 'node:path';
import { openDb, type Db } from '../../db/client.ts';
import { ingestBatch } from '../../db/queries.ts';
import type { Paper } from '../../db/paper.ts';
import { DEFAULT_TUNING, MiniSearchEngine } from '../../search/minisearch.ts';
import { Fts5Engine } from '../../search/fts5.ts';
import type { LocalSearchEngine } from '../../search/types.ts';
import { tempDir } from '../helpers.ts';

export interface TwoEngines {
  /** The database (set once before() has run). */
  db: Db;
  minisearch: LocalSearchEngine;
  fts5: LocalSearchEngine;
}

/** Registers before()/after() hooks that index `papers` in both engines; the returned object is filled in before(). */
export function twoEngines(prefix: string, papers: readonly Paper[]): TwoEngines {
  const out = {} as TwoEngines;
  let dir: ReturnType<typeof tempDir> | undefined;
  before(() => {
    dir = tempDir(prefix);
    out.db = openDb(join(dir.path, 'papers.db'));
    ingestBatch(out.db, { papers: [...papers] });
    out.minisearch = MiniSearchEngine.build(out.db, DEFAULT_TUNING);
    out.fts5 = Fts5Engine.open(out.db);
  });
  after(() => {
    out.minisearch?.close();
    out.fts5?.close();
    out.db?.sqlite.close();
    dir?.cleanup();
  });
  return out;
}
