// Bulk import of the arXiv metadata snapshot (JSON lines, plain or gzip).
//   npm run import -- FILE [--batch 5000] [--quiet]
// Streams the file, writes batches through ingestBatch (one transaction each,
// with the resume point), reports malformed lines by number and goes on.
// Re-importing the same file changes no paper; an interrupted import resumes
// after its last committed batch.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import cliProgress from 'cli-progress';
import { checkpoint, openDb, type Db } from '../db/client.ts';
import { lowerPriority, startTsWorker } from '../lib/threads.ts';
import { getCrawlState, ingestBatch, countPapers, type IngestCounts } from '../db/queries.ts';
import type { BadLine, ReaderInput, ReaderMessage } from './snapshot-reader.ts';

export type { BadLine };

export interface ImportResult extends IngestCounts {
  lines: number;
  valid: number;
  /** Lines skipped because an earlier, interrupted run had committed them. */
  resumedFrom: number;
  malformed: number;
  /** The first malformed lines, by number (all are counted in `malformed`). */
  badLines: BadLine[];
  seconds: number;
}

export interface ImportOptions {
  batchSize?: number;
  /** Called after each committed batch. */
  onProgress?: (p: { lines: number; bytesRead: number; totalBytes: number; valid: number }) => void;
  /** Called for every malformed line. */
  onBadLine?: (bad: BadLine) => void;
  /** Ignore a saved resume point and read the whole file. */
  fromStart?: boolean;
}

interface ResumePoint {
  size: number;
  mtimeMs: number;
  line: number;
  done: boolean;
}

const MAX_BAD_LINES_KEPT = 1000;

/** A WAL larger than this during an import is checkpointed (its frames reused from then on). */
const MAX_WAL_BYTES = 512 * 1024 * 1024;

function walBytes(db: Db): number {
  try {
    return statSync(`${db.path}-wal`).size;
  } catch {
    return 0;
  }
}

/** Page cache while importing, in KiB (negative: SQLite's convention for a size rather than a page count). */
const IMPORT_CACHE_KIB = -256 * 1024;

export async function importFile(db: Db, file: string, opts: ImportOptions = {}): Promise<ImportResult> {
  const path = resolve(file);
  const stat = statSync(path);
  const batchSize = opts.batchSize ?? 5000;
  const stateKey = { source: 'import', setKey: path };
  const saved = getCrawlState(db, stateKey.source, stateKey.setKey)?.resume as ResumePoint | null | undefined;
  // A resume point only holds for the same file, unchanged, and an unfinished run.
  const skip =
    !opts.fromStart && saved && !saved.done && saved.size === stat.size && saved.mtimeMs === stat.mtimeMs
      ? saved.line
      : 0;

  const started = performance.now();
  // Checkpointing mid-import rewrites pages many times; do it once at the end.
  const autoCheckpoint = db.sqlite.pragma('wal_autocheckpoint', { simple: true }) as number;
  db.sqlite.pragma('wal_autocheckpoint = 0');
  // The id and category indexes take rows all over their B-trees; with the
  // default 16 MB cache most inserts re-read pages (import 1.6x faster at 300k papers).
  const cacheSize = db.sqlite.pragma('cache_size', { simple: true }) as number;
  db.sqlite.pragma(`cache_size = ${IMPORT_CACHE_KIB}`);

  const result: ImportResult = {
    lines: 0, valid: 0, resumedFrom: skip, malformed: 0, badLines: [],
    added: 0, updated: 0, unchanged: 0, stale: 0, seconds: 0,
  };
  const stamp = (line: number, done: boolean): ResumePoint => ({ size: stat.size, mtimeMs: stat.mtimeMs, line, done });

  // Parsing runs in a worker on the other core; this thread only writes.
  const reader = startTsWorker(new URL('./snapshot-reader.ts', import.meta.url), { workerData: { path, batchSize, skip } satisfies ReaderInput });
  try {
    await new Promise<void>((resolveRun, rejectRun) => {
      reader.on('error', rejectRun);
      reader.on('exit', (code) => (code === 0 ? resolveRun() : rejectRun(new Error(`reader exited with ${code}`))));
      reader.on('message', (msg: ReaderMessage) => {
        try {
          if (msg.kind === 'batch') {
            const counts = ingestBatch(db, { papers: msg.papers, state: { ...stateKey, resume: stamp(msg.lines, false) } });
            // Checkpointing is off while importing (once at the end is cheaper), but the WAL must not grow without bound.
            if (walBytes(db) > MAX_WAL_BYTES) db.sqlite.pragma('wal_checkpoint(PASSIVE)');
            result.added += counts.added;
            result.updated += counts.updated;
            result.unchanged += counts.unchanged;
            result.stale += counts.stale;
            result.valid += msg.papers.length;
            result.lines = msg.lines;
            for (const b of msg.bad) {
              result.malformed++;
              if (result.badLines.length < MAX_BAD_LINES_KEPT) result.badLines.push(b);
              opts.onBadLine?.(b);
            }
            opts.onProgress?.({ lines: msg.lines, bytesRead: msg.bytesRead, totalBytes: stat.size, valid: result.valid });
            reader.postMessage('more');
          } else if (msg.kind === 'done') {
            result.lines = msg.lines;
            ingestBatch(db, { state: { ...stateKey, resume: stamp(msg.lines, true), success: true } });
            reader.postMessage('more');
          } else {
            // A truncated or corrupt file: what was committed stays, and the error says where.
            rejectRun(new Error(`${path}: read failed after line ${msg.lines}: ${msg.message}`));
          }
        } catch (err) {
          rejectRun(err as Error);
        }
      });
    });
  } finally {
    await reader.terminate();
    db.sqlite.pragma(`wal_autocheckpoint = ${autoCheckpoint}`);
    db.sqlite.pragma(`cache_size = ${cacheSize}`);
    db.sqlite.pragma('wal_checkpoint(PASSIVE)');
    checkpoint(db);
  }
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      batch: { type: 'string', default: '5000' },
      quiet: { type: 'boolean', default: false },
      'from-start': { type: 'boolean', default: false },
      nice: { type: 'string', default: '10' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || positionals.length !== 1) {
    console.error('usage: npm run import -- FILE.jsonl[.gz] [--batch 5000] [--from-start] [--nice 10] [--quiet]');
    process.exit(values.help ? 0 : 2);
  }
  const file = positionals[0];
  try {
    statSync(file);
  } catch {
    console.error(`import: cannot read ${file}`);
    process.exit(2);
  }
  const batchSize = Number(values.batch);
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    console.error(`import: --batch must be a positive integer, got ${values.batch}`);
    process.exit(2);
  }
  // A bulk import is a batch job: at a lower CPU priority a server on the
  // same machine keeps answering readers promptly, and an idle machine still
  // gives it every cycle.
  lowerPriority(Math.max(0, Math.min(19, Number(values.nice) || 0)), 'all');
  const db = openDb();
  const showBar = !values.quiet && process.stderr.isTTY;
  const bar = new cliProgress.SingleBar(
    { format: 'import |{bar}| {percentage}% | {lines} lines | {rate}/s | ETA {eta_formatted}', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  const t0 = performance.now();
  let lastLog = 0;
  if (showBar) bar.start(100, 0, { lines: 0, rate: 0 });
  const badShown = { n: 0 };
  try {
    const result = await importFile(db, file, {
      batchSize,
      onBadLine: ({ line, reason }) => {
        if (values.quiet || badShown.n++ >= 20) return;
        if (showBar) bar.stop();
        console.error(`import: line ${line}: ${reason}`);
        if (showBar) bar.start(100, 0);
      },
      onProgress: ({ lines, bytesRead, totalBytes }) => {
        const secs = (performance.now() - t0) / 1000;
        const rate = Math.round(lines / Math.max(secs, 1e-3));
        const pct = Math.min(100, (100 * bytesRead) / Math.max(totalBytes, 1));
        if (showBar) bar.update(pct, { lines, rate });
        else if (!values.quiet && performance.now() - lastLog > 2000) {
          lastLog = performance.now();
          const eta = pct > 0 ? Math.round((secs * (100 - pct)) / pct) : 0;
          console.error(`import: ${lines} lines, ${pct.toFixed(1)}%, ${rate}/s, ETA ${eta}s`);
        }
      },
    });
    if (showBar) bar.update(100), bar.stop();
    if (result.malformed > 20 && !values.quiet) console.error(`import: ... ${result.malformed - 20} more malformed lines`);
    const rate = Math.round((result.lines - result.resumedFrom) / Math.max(result.seconds, 1e-3));
    console.log(
      `import ${file}: ${result.lines} lines, ${result.valid} valid, ${result.malformed} malformed` +
        (result.resumedFrom ? `, resumed after line ${result.resumedFrom}` : '') +
        ` -> ${result.added} added, ${result.updated} updated, ${result.unchanged} unchanged, ${result.stale} stale` +
        ` in ${result.seconds.toFixed(1)} s (${rate} lines/s); database holds ${countPapers(db)} papers`,
    );
  } catch (err) {
    if (showBar) bar.stop();
    console.error(`import: ${(err as Error).message}`);
    process.exitCode = 1;
  } finally {
    db.sqlite.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) void main();
