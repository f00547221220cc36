// The bundled sample: a few thousand real arXiv records (CC0 metadata) in
// db/sample, imported through the normal importer when a server starts on an
// empty database, so a first start shows a real site. A row in crawl_state
// remembers that the collection holds it (the home page says so).
import { join } from 'node:path';
import type { Db } from '../db/client.ts';
import { countPapers, getCrawlState, ingestBatch } from '../db/queries.ts';
import { importFile } from './import.ts';

/** The sample file shipped in the repository. */
export const SAMPLE_FILE = join(import.meta.dirname, '..', 'db', 'sample', 'arxiv-sample.jsonl.gz');

const STATE = { source: 'sample', setKey: 'db/sample/arxiv-sample.jsonl.gz' } as const;

/** What the collection holds of the sample: its paper count and when it was loaded; null when it was never loaded. */
export function sampleInfo(db: Db): { papers: number; loadedAt: number } | null {
  const r = getCrawlState(db, STATE.source, STATE.setKey)?.resume as { papers?: number; loadedAt?: number } | null | undefined;
  return r && typeof r.papers === 'number' ? { papers: r.papers, loadedAt: r.loadedAt ?? 0 } : null;
}

/**
 * Imports the sample when the database holds no paper; returns how many papers
 * it added, or null when it did nothing (the database was not empty).
 */
export async function loadSampleIfEmpty(db: Db, log: (line: string) => void, file = SAMPLE_FILE): Promise<number | null> {
  if (countPapers(db) > 0) return null;
  log(`first start: the database is empty; importing the bundled sample ${STATE.setKey} (SAMPLE=off skips this)`);
  const r = await importFile(db, file);
  ingestBatch(db, { state: { ...STATE, resume: { papers: r.valid, loadedAt: Date.now() }, success: true } });
  log(`first start: sample imported: ${r.valid} papers in ${r.seconds.toFixed(1)} s${r.malformed ? `, ${r.malformed} malformed lines skipped` : ''}`);
  return r.valid;
}
