// The corpus benchmarks read: the full shared one (85,000 papers,
// $SHARED_DIR/arxiv/corpus.jsonl.gz) when it is there, else the bundled sample
// (6,027 papers), with a line saying which, since figures depend on it.
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { rng } from '../tests/helpers.ts';
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

// ---------- synthetic papers for scale runs ----------

interface SourceRecord {
  title: string;
  abstract: string;
  authors: string | null;
  categories: string;
}

async function readCorpus(): Promise<SourceRecord[]> {
  const { path } = benchCorpus();
  const out: SourceRecord[] = [];
  const rl = createInterface({ input: createReadStream(path).pipe(createGunzip()), crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as SourceRecord;
    out.push({ title: r.title, abstract: r.abstract, authors: r.authors, categories: r.categories });
  }
  return out;
}

/**
 * Writes N synthetic papers in the snapshot's JSON-lines format, recombined
 * from the real corpus: the title of one real paper, an abstract of 3-8
 * sentences drawn from random real abstracts, the authors and categories of
 * two other real papers, and an id in a range no real paper uses
 * (YYMM.6xxxx-9xxxx over 2008-2026), written in id order like the real
 * snapshot. Word statistics stay those of arXiv.
 */
export async function writeSynthetic(file: string, n: number, seed: number): Promise<void> {
  const real = await readCorpus();
  const sentences: string[] = [];
  for (const r of real) for (const s of r.abstract.replace(/\s+/g, ' ').split(/(?<=[.!?])\s+(?=[A-Z])/)) if (s.length > 20) sentences.push(s);
  const rnd = rng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
  const months: string[] = [];
  for (let y = 8; y <= 26; y++) for (let m = 1; m <= 12; m++) months.push(`${String(y).padStart(2, '0')}${String(m).padStart(2, '0')}`);
  // Month after month, numbers rising within each: the file is in id order,
  // as arXiv's own snapshot is, so an import appends to its indexes. Before
  // 2015 arXiv's numbers had four digits (1000-9999 here), five after
  // (60000-99999); months past 2014 take what the earlier ones cannot hold.
  const early = months.filter((m) => m < '1501');
  const perEarly = Math.min(8999, Math.ceil(n / months.length));
  const perLate = Math.ceil((n - perEarly * early.length) / (months.length - early.length));
  if (perLate > 39999) throw new Error('synthetic id space exhausted');
  const slots = months.map((month) => (month < '1501' ? { month, first: 1000, count: perEarly } : { month, first: 60000, count: perLate }));
  const out = createWriteStream(file);
  let slot = 0;
  let inSlot = 0;
  for (let i = 0; i < n; i++) {
    while (inSlot >= slots[slot].count) {
      slot++;
      inSlot = 0;
    }
    const month = slots[slot].month;
    const num = slots[slot].first + inSlot++;
    const k = 3 + Math.floor(rnd() * 6);
    const abs: string[] = [];
    for (let j = 0; j < k; j++) abs.push(pick(sentences));
    const rec = {
      id: `${month}.${num}`,
      submitter: null,
      authors: pick(real).authors,
      title: pick(real).title,
      comments: null,
      'journal-ref': null,
      doi: null,
      'report-no': null,
      categories: pick(real).categories,
      license: null,
      abstract: abs.join(' '),
      versions: null,
      update_date: null,
      authors_parsed: null,
    };
    if (!out.write(`${JSON.stringify(rec)}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r, j) => out.end((err?: Error | null) => (err ? j(err) : r())));
}

