// Writes the bundled sample of real arXiv metadata (db/sample/arxiv-sample.jsonl.gz)
// from the full corpus in ../shared (or $SHARED_DIR). The sample is what a fresh
// `npm start` shows and what the tests read, so it keeps, verbatim and in id
// order: every record with real version dates or parsed authors (the full
// Kaggle-style records), every paper before 2025 (the old eras and old-style
// ids), the ids tests name, and a seeded draw of 2025–26 papers from every
// primary archive in proportion to the corpus. Run: npx tsx scripts/make-sample.ts [size]
import { createReadStream, writeFileSync } from 'node:fs';
import { createGunzip, gzipSync } from 'node:zlib';
import { createInterface } from 'node:readline';
import { join, resolve } from 'node:path';
import { readSetting } from '../lib/config.ts';

const ROOT = join(import.meta.dirname, '..');
const SHARED = resolve(ROOT, readSetting('SHARED_DIR'));
const CORPUS = join(SHARED, 'arxiv', 'corpus.jsonl.gz');
export const SAMPLE_FILE = join(ROOT, 'db', 'sample', 'arxiv-sample.jsonl.gz');
/** Ids the tests look up by name. */
const NAMED = new Set(['2601.07180', 'acc-phys/9411001', '0704.0002', '1112.5801']);

interface Rec {
  id: string;
  categories: string;
  versions: unknown[] | null;
  authors_parsed: unknown[] | null;
}

/** mulberry32, seeded: the same sample on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function main(): Promise<void> {
  const size = Number(process.argv[2] ?? 6000);
  const lines: string[] = [];
  const keep = new Set<number>();
  const recent = new Map<string, number[]>();
  const rl = createInterface({ input: createReadStream(CORPUS).pipe(createGunzip()), crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as Rec;
    const i = lines.push(line) - 1;
    const yy = /^(\d{2})\d{2}\./.exec(r.id)?.[1];
    const modern = yy != null && Number(yy) >= 25 && Number(yy) < 91;
    if (r.versions?.length || r.authors_parsed?.length || !modern || NAMED.has(r.id)) keep.add(i);
    else {
      const archive = r.categories.split(' ')[0].split('.')[0];
      if (!recent.has(archive)) recent.set(archive, []);
      recent.get(archive)!.push(i);
    }
  }
  const pool = [...recent.values()].reduce((n, a) => n + a.length, 0);
  const room = Math.max(0, size - keep.size);
  const random = rng(20261203);
  for (const [, idx] of [...recent].sort(([a], [b]) => a.localeCompare(b))) {
    // At least a few of every archive, the rest in proportion.
    const want = Math.min(idx.length, Math.max(5, Math.round((room * idx.length) / pool)));
    for (let k = 0; k < want; k++) {
      const j = k + Math.floor(random() * (idx.length - k));
      [idx[k], idx[j]] = [idx[j], idx[k]];
      keep.add(idx[k]);
    }
  }
  const out = [...keep].sort((a, b) => a - b).map((i) => lines[i]);
  const gz = gzipSync(out.join('\n') + '\n', { level: 9 });
  writeFileSync(SAMPLE_FILE, gz);
  console.log(`${out.length} papers, ${(gz.length / 1e6).toFixed(2)} MB -> ${SAMPLE_FILE}`);
}

await main();
