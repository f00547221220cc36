// Worker thread for the importer: reads, gunzips and parses the snapshot on
// the second core while the main thread writes to SQLite. It keeps at most
// two batches in flight, so memory stays flat on a file of any size.
import { parentPort, workerData } from 'node:worker_threads';
import { createReadStream, openSync, readSync, closeSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Paper } from '../db/paper.ts';
import { paperFromSnapshot, RecordError } from './snapshot.ts';

export interface ReaderInput {
  path: string;
  batchSize: number;
  /** Lines already committed by an interrupted run. */
  skip: number;
}

export interface BadLine {
  line: number;
  reason: string;
}

export type ReaderMessage =
  | { kind: 'batch'; papers: Paper[]; bad: BadLine[]; lines: number; bytesRead: number }
  | { kind: 'done'; lines: number; bytesRead: number }
  | { kind: 'error'; message: string; lines: number };

function isGzip(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(2);
    return readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/**
 * Chunks of whole lines, a megabyte at a time (much faster than node:readline).
 * Splitting the bytes at the last newline keeps multi-byte characters whole.
 */
async function* lineChunks(input: NodeJS.ReadableStream): AsyncGenerator<string[]> {
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of input as AsyncIterable<Buffer>) {
    const buf = rest.length ? Buffer.concat([rest, chunk]) : chunk;
    const cut = buf.lastIndexOf(10);
    if (cut < 0) {
      rest = buf;
      continue;
    }
    rest = buf.subarray(cut + 1);
    yield buf.toString('utf8', 0, cut).split('\n');
  }
  if (rest.length) yield [rest.toString('utf8')];
}

async function run(port: NonNullable<typeof parentPort>, { path, batchSize, skip }: ReaderInput): Promise<void> {
  let credits = 2;
  let wake: (() => void) | null = null;
  port.on('message', () => {
    credits++;
    wake?.();
  });
  const send = async (msg: ReaderMessage) => {
    while (credits <= 0) await new Promise<void>((r) => (wake = r));
    credits--;
    port.postMessage(msg);
  };

  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  let bytesRead = 0;
  raw.on('data', (c) => (bytesRead += c.length));
  const input = isGzip(path) ? raw.pipe(createGunzip({ chunkSize: 1 << 20 })) : raw;
  let lines = 0;
  let papers: Paper[] = [];
  let bad: BadLine[] = [];
  try {
    for await (const chunk of lineChunks(input)) {
      for (const rawLine of chunk) {
        lines++;
        if (lines <= skip) continue;
        const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
        if (!line.trim()) continue;
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch (err) {
          bad.push({ line: lines, reason: `invalid JSON (${(err as Error).message.slice(0, 80)})` });
          continue;
        }
        try {
          papers.push(paperFromSnapshot(value));
        } catch (err) {
          if (!(err instanceof RecordError)) throw err;
          bad.push({ line: lines, reason: err.message });
        }
      }
      // Batches end on a chunk boundary, so `lines` is always a safe resume point.
      if (papers.length >= batchSize) {
        await send({ kind: 'batch', papers, bad, lines, bytesRead });
        papers = [];
        bad = [];
      }
    }
    if (papers.length || bad.length) await send({ kind: 'batch', papers, bad, lines, bytesRead });
    await send({ kind: 'done', lines, bytesRead });
  } catch (err) {
    if (papers.length || bad.length) await send({ kind: 'batch', papers, bad, lines, bytesRead });
    await send({ kind: 'error', message: (err as Error).message, lines });
  }
  port.close();
}

if (parentPort) void run(parentPort, workerData as ReaderInput);
