// The corpus benchmarks read: the full shared one (85,000 papers,
// $SHARED_DIR/arxiv/corpus.jsonl.gz) when it is there, else the bundled sample
// (6,027 papers), with a line saying which, since figures depend on it.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readSetting } from '../lib/config.ts';

const ROOT = join(import.meta.dirname, '..');
const FULL = join(resolve(ROOT, readSetting('SHARED_DIR')), 'arxiv', 'corpus.jsonl.gz');
const SAMPLE = join(ROOT, 'db', 'sample', 'arxiv-sample.jsonl.gz');

/** The corpus file to read, and what it is; prints the choice once. */
export function benchCorpus(): { path: string; full: boolean } {
  const full = existsSync(FULL);
  console.log(full ? `corpus: ${FULL} (full, 85,000 papers)` : `corpus: ${SAMPLE} (the bundled 6,027-paper sample: ${FULL} is not there; figures are not comparable with BENCHMARKS.md)`);
  return { path: full ? FULL : SAMPLE, full };
}
