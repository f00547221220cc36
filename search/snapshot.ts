// The MiniSearch index on disk, so a restart loads instead of re-tokenizing
// every paper. Binary frames, written chunk by chunk (never one giant JSON
// string), to a temp file renamed into place; the watermark says which rows
// it holds, so a start loads it and then syncs the rows changed since.
//
//   "PAPERSIX1\n"  then frames: [kind u8][length u32 LE][payload]
//   kind 1  header JSON {format, key, watermark, header}
//   kind 2  documents JSON [[shortId, id, date, cats, lenTitle, lenAbstract, lenAuthors], ...]
//   kind 3  terms: [json length u32][JSON array of terms][pad to 4][u32 postings...]
//           postings per term: nFields, then per field: fieldId, n, n x packed (shortId << 8 | tf)
//   kind 4  word sequences: i32 [shortId, record length, record...] per paper (search/sequences.ts)
//   kind 9  trailer JSON {docs, terms, sequences}: a file without it was cut short
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type MiniSearch from 'minisearch';
import { assemble, docEntries, headerOf, termEntries, type DocEntry, type FieldPostings, type IndexHeader } from './ms-internals.ts';
import type { Options } from 'minisearch';
import { PostingList } from './postings.ts';
import { TermSequences } from './sequences.ts';

const MAGIC = Buffer.from('PAPERSIX1\n');
const FORMAT = 3;
// Small frames: each is one pause point for an asynchronous save.
const DOCS_PER_FRAME = 1000;
const TERMS_PER_FRAME = 2000;

export class SnapshotError extends Error {}

export interface SnapshotMeta {
  /** Describes tokenizer and options; a snapshot with another key is stale. */
  key: string;
  watermark: number;
}

/** The snapshot's bytes, frame by frame, so a caller can pause between frames. */
function* snapshotFrames<T>(ms: MiniSearch<T>, sequences: TermSequences, meta: SnapshotMeta): Generator<Buffer> {
  const framed = (kind: number, payload: Buffer) => {
    const head = Buffer.alloc(5);
    head.writeUInt8(kind, 0);
    head.writeUInt32LE(payload.length, 1);
    return Buffer.concat([head, payload]);
  };
  yield MAGIC;
  yield framed(1, Buffer.from(JSON.stringify({ format: FORMAT, key: meta.key, watermark: meta.watermark, header: headerOf(ms) })));
  let docs = 0;
  let batch: unknown[] = [];
  for (const d of docEntries(ms)) {
    const s = d.stored as { d?: string; c?: string };
    batch.push([d.shortId, d.id, s.d ?? '', s.c ?? '', ...d.fieldLength.map((n) => n ?? 0)]);
    docs++;
    if (batch.length >= DOCS_PER_FRAME) {
      yield framed(2, Buffer.from(JSON.stringify(batch)));
      batch = [];
    }
  }
  if (batch.length) yield framed(2, Buffer.from(JSON.stringify(batch)));
  let terms = 0;
  let names: string[] = [];
  let nums: number[] = [];
  const termFrame = () => {
    const json = Buffer.from(JSON.stringify(names));
    const pad = (4 - ((4 + json.length) % 4)) % 4;
    const body = Buffer.alloc(4 + json.length + pad + nums.length * 4);
    body.writeUInt32LE(json.length, 0);
    json.copy(body, 4);
    const u32 = new Uint32Array(body.buffer, body.byteOffset + 4 + json.length + pad, nums.length);
    u32.set(nums);
    names = [];
    nums = [];
    return framed(3, body);
  };
  for (const [term, fields] of termEntries(ms)) {
    names.push(term);
    nums.push(fields.size);
    for (const [fid, postings] of fields) {
      nums.push(fid, postings.size);
      for (const v of postings.packed()) nums.push(v);
    }
    terms++;
    if (names.length >= TERMS_PER_FRAME) yield termFrame();
  }
  if (names.length) yield termFrame();
  let seqs = 0;
  let parts: Int32Array[] = [];
  const seqFrame = () => {
    const body = Buffer.alloc(parts.reduce((n, p) => n + p.byteLength, 0));
    let at = 0;
    for (const p of parts) {
      body.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), at);
      at += p.byteLength;
    }
    parts = [];
    return framed(4, body);
  };
  for (const [sid, record] of sequences.records()) {
    parts.push(Int32Array.of(sid, record.length), record.slice());
    seqs++;
    if (parts.length >= 2 * DOCS_PER_FRAME) yield seqFrame();
  }
  if (parts.length) yield seqFrame();
  yield framed(9, Buffer.from(JSON.stringify({ docs, terms, sequences: seqs })));
}

/** One atomic file write: bytes go to a temp file beside `file`, then fsync and rename; on any failure the temp file goes. */
class AtomicFile {
  private readonly tmp: string;
  private readonly fd: number;

  constructor(
    private readonly file: string,
    suffix: string,
  ) {
    mkdirSync(dirname(file), { recursive: true });
    this.tmp = `${file}.${process.pid}.${suffix}`;
    this.fd = openSync(this.tmp, 'w');
  }

  write(buf: Buffer): void {
    writeSync(this.fd, buf);
  }

  abort(): void {
    closeSync(this.fd);
    rmSync(this.tmp, { force: true });
  }

  /** Makes the file durable and puts it in place; returns its size in bytes. */
  commit(): number {
    try {
      fsyncSync(this.fd);
    } catch (err) {
      this.abort();
      throw err;
    }
    closeSync(this.fd);
    renameSync(this.tmp, this.file);
    syncDirectory(dirname(this.file));
    return statSync(this.file).size;
  }
}

/** Makes a rename in `dir` durable (the directory entry, not only the file's bytes). Best effort where directories cannot be opened. */
function syncDirectory(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some platforms and file systems refuse fsync on a directory; the file itself is already synced.
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes temp files a killed writer left beside `file` (`<file>.<pid>.tmp`,
 * `<file>.<pid>.bg.tmp`) whose process is gone; a live writer's are kept.
 * Returns the names removed.
 */
export function removeStaleTemps(file: string): string[] {
  const dir = dirname(file);
  if (!existsSync(dir)) return [];
  const prefix = `${file.slice(dir.length + 1)}.`;
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(\d+)\.(?:bg\.)?tmp$/.exec(name.slice(prefix.length));
    if (!m || Number(m[1]) === process.pid || processAlive(Number(m[1]))) continue;
    rmSync(join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}

/**
 * Writes the snapshot atomically (temp file, fsync, rename); returns its size
 * in bytes. Awaits `pause` between frames so a server keeps answering while a
 * large index is written; the index must not change meanwhile
 * (PersistentMiniSearch holds its syncs back).
 */
export async function saveSnapshotAsync<T>(
  file: string,
  ms: MiniSearch<T>,
  sequences: TermSequences,
  meta: SnapshotMeta,
  pause: () => Promise<void>,
): Promise<number> {
  const out = new AtomicFile(file, 'bg.tmp');
  try {
    for (const buf of snapshotFrames(ms, sequences, meta)) {
      out.write(buf);
      await pause();
    }
  } catch (err) {
    out.abort();
    throw err;
  }
  return out.commit();
}

/** Writes the snapshot atomically in one go; returns its size in bytes. */
export function saveSnapshot<T>(file: string, ms: MiniSearch<T>, sequences: TermSequences, meta: SnapshotMeta): number {
  const out = new AtomicFile(file, 'tmp');
  try {
    for (const buf of snapshotFrames(ms, sequences, meta)) out.write(buf);
  } catch (err) {
    out.abort();
    throw err;
  }
  return out.commit();
}

export interface LoadedSnapshot<T> {
  ms: MiniSearch<T>;
  sequences: TermSequences;
  meta: SnapshotMeta;
  bytes: number;
}

/**
 * Reads a snapshot. Returns null when there is none; throws SnapshotError
 * when it is damaged or was written by other options (`expectKey`).
 */
export function loadSnapshot<T>(file: string, options: Options<T>, expectKey: string): LoadedSnapshot<T> | null {
  if (!existsSync(file)) return null;
  const buf = readFileSync(file);
  if (buf.length < MAGIC.length || !buf.subarray(0, MAGIC.length).equals(MAGIC)) throw new SnapshotError('not a search snapshot');
  let pos = MAGIC.length;
  let meta: SnapshotMeta | null = null;
  let header: IndexHeader | null = null;
  const docs: DocEntry[] = [];
  const terms: [string, FieldPostings][] = [];
  const sequences = new TermSequences();
  let seqs = 0;
  let trailer: { docs: number; terms: number; sequences: number } | null = null;
  while (pos < buf.length) {
    if (pos + 5 > buf.length) throw new SnapshotError('truncated frame header');
    const kind = buf.readUInt8(pos);
    const len = buf.readUInt32LE(pos + 1);
    pos += 5;
    if (pos + len > buf.length) throw new SnapshotError('truncated frame');
    const body = buf.subarray(pos, pos + len);
    pos += len;
    if (kind === 1) {
      const h = JSON.parse(body.toString('utf8')) as { format: number; key: string; watermark: number; header: IndexHeader };
      if (h.format !== FORMAT) throw new SnapshotError(`snapshot format ${h.format}, expected ${FORMAT}`);
      if (h.key !== expectKey) throw new SnapshotError('snapshot was built with other index options');
      meta = { key: h.key, watermark: h.watermark };
      header = h.header;
    } else if (kind === 2) {
      for (const row of JSON.parse(body.toString('utf8')) as [number, string, string, string, ...number[]][]) {
        const [shortId, id, d, c, ...fieldLength] = row;
        docs.push({ shortId, id, stored: { d, c }, fieldLength });
      }
    } else if (kind === 3) {
      const jsonLen = body.readUInt32LE(0);
      const names = JSON.parse(body.subarray(4, 4 + jsonLen).toString('utf8')) as string[];
      const pad = (4 - ((4 + jsonLen) % 4)) % 4;
      const start = 4 + jsonLen + pad;
      // The frame's bytes are copied to an aligned buffer (a Buffer slice may start anywhere).
      const nums = new Uint32Array(body.buffer.slice(body.byteOffset + start, body.byteOffset + body.length));
      let i = 0;
      for (const term of names) {
        const nFields = nums[i++];
        const fields: FieldPostings = new Map();
        for (let f = 0; f < nFields; f++) {
          const fid = nums[i++];
          const n = nums[i++];
          fields.set(fid, PostingList.withSlack(nums.subarray(i, i + n)));
          i += n;
        }
        terms.push([term, fields]);
      }
      if (i !== nums.length) throw new SnapshotError('term frame length mismatch');
    } else if (kind === 4) {
      if (body.length % 4) throw new SnapshotError('sequence frame length mismatch');
      const nums = new Int32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.length));
      for (let i = 0; i < nums.length; ) {
        const [sid, n] = [nums[i], nums[i + 1]];
        if (sid < 0 || n < 3 || i + 2 + n > nums.length) throw new SnapshotError('sequence frame is damaged');
        sequences.setRecord(sid, nums.subarray(i + 2, i + 2 + n));
        i += 2 + n;
        seqs++;
      }
    } else if (kind === 9) {
      trailer = JSON.parse(body.toString('utf8')) as { docs: number; terms: number; sequences: number };
    } else {
      throw new SnapshotError(`unknown frame kind ${kind}`);
    }
  }
  if (!meta || !header) throw new SnapshotError('snapshot has no header');
  if (!trailer || trailer.docs !== docs.length || trailer.terms !== terms.length || trailer.sequences !== seqs || seqs !== docs.length) {
    throw new SnapshotError('snapshot is incomplete');
  }
  sequences.trim();
  return { ms: assemble(options, header, docs, terms), sequences, meta, bytes: buf.length };
}
