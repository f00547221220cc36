// ingestBatch is all or nothing: a failure between a paper and its category
// rows (here a trigger that refuses one category row) leaves no paper, no
// category row, no announcement and no resume point of that batch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openDb } from '../../db/client.ts';
import { countPapers, getCrawlState, ingestBatch } from '../../db/queries.ts';
import type { Paper } from '../../db/paper.ts';
import { tempDir } from '../helpers.ts';

const paper = (id: string): Paper => ({
  id, version: 1, title: `Paper ${id}`, abstract: 'An abstract.', authors: ['A. Author'], categories: ['cs.LG', 'cs.CL'],
  published: '2026-01-05', updated: null, comments: null, journalRef: null, doi: null, license: null,
});

test('a failure between a paper row and its category rows leaves nothing of the batch', () => {
  const dir = tempDir();
  const db = openDb(join(dir.path, 'p.db'));
  try {
    ingestBatch(db, { papers: [paper('2601.00001')], state: { source: 'test', setKey: 'k', resume: { at: 1 }, success: true } });
    // The second paper's second category row fails after its paper row and first category row are written.
    db.sqlite.exec(`CREATE TRIGGER refuse AFTER INSERT ON paper_categories WHEN NEW.paper_id = '2601.00003' AND NEW.category = 'cs.CL'
                    BEGIN SELECT RAISE(ABORT, 'injected failure'); END`);
    assert.throws(
      () =>
        ingestBatch(db, {
          papers: [paper('2601.00002'), paper('2601.00003'), paper('2601.00004')],
          announcements: [{ date: '2026-01-06', category: 'cs.LG', paperId: '2601.00002', announceType: 'new', position: 1 }],
          state: { source: 'test', setKey: 'k', resume: { at: 2 } },
        }),
      /injected failure/,
    );
    assert.equal(countPapers(db), 1, 'no paper of the failed batch');
    const count = (sql: string) => db.sqlite.prepare(sql).pluck().get() as number;
    assert.equal(count("SELECT count(*) FROM paper_categories WHERE paper_id <> '2601.00001'"), 0, 'no category row');
    assert.equal(count('SELECT count(*) FROM announcements'), 0, 'no announcement');
    assert.deepEqual(getCrawlState(db, 'test', 'k')?.resume, { at: 1 }, 'the resume point did not move');
    db.sqlite.exec('DROP TRIGGER refuse');
    const again = ingestBatch(db, { papers: [paper('2601.00002'), paper('2601.00003'), paper('2601.00004')], state: { source: 'test', setKey: 'k', resume: { at: 2 } } });
    assert.equal(again.added, 3);
    assert.deepEqual(getCrawlState(db, 'test', 'k')?.resume, { at: 2 });
  } finally {
    db.sqlite.close();
    dir.cleanup();
  }
});
