// Each indexed paper's words in order, so phrase queries ("vision-language",
// "\"neural network\"") are confirmed in memory. MiniSearch keeps no
// positions; re-reading and re-tokenising candidate rows from SQLite cost
// 0.2-0.7 s for common pairs and stalled the server's one event loop.
//
// A word is stored as a 32-bit hash of its folded form (a phrase matches its
// words as written, as in FTS5). Two words whose hashes collide
// would have to sit side by side in a candidate paper to give a false match,
// which at ~1 M distinct words is vanishingly rare. Papers share a list of
// 4 MB Int32Array chunks (no object per paper, and growing never copies
// what is stored: doubling one big array stalled a server for 0.4 s); a
// paper's record is [title length, abstract length, authors length, ...hashes].

const SEQUENCE_FIELDS = 3;

/** FNV-1a over UTF-16 code units. */
export function wordHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

const CHUNK_BITS = 20;
/** Ints per chunk; a record never spans two chunks. */
const CHUNK = 1 << CHUNK_BITS;
const OFFSET_MASK = CHUNK - 1;

export class TermSequences {
  private chunks: Int32Array[] = [];
  /** Ints used in the last chunk. */
  private used = CHUNK;
  private stored = 0;
  /** Ints no live paper points at any more; compacted away when they pass half. */
  private garbage = 0;
  /** shortId -> position of its record (chunk << CHUNK_BITS | offset), or -1. */
  private start = new Int32Array(1024).fill(-1);

  /** Papers with a record. */
  size = 0;

  /** Bytes held (for the heap figures). */
  get bytes(): number {
    return this.chunks.reduce((n, c) => n + c.byteLength, 0) + this.start.byteLength;
  }

  set(sid: number, fields: readonly (readonly number[])[]): void {
    if (fields.length !== SEQUENCE_FIELDS) throw new Error(`expected ${SEQUENCE_FIELDS} fields`);
    // A record must fit in a chunk; no abstract comes near a million words, but cap anyway.
    let room = CHUNK - SEQUENCE_FIELDS;
    const kept = fields.map((f) => {
      const k = f.length <= room ? f : f.slice(0, room);
      room -= k.length;
      return k;
    });
    const record = new Int32Array(SEQUENCE_FIELDS + kept.reduce((n, f) => n + f.length, 0));
    let p = 0;
    for (const f of kept) record[p++] = f.length;
    for (const f of kept) for (const h of f) record[p++] = h;
    this.setRecord(sid, record);
  }

  /** Stores a record as written by `records()` (header and hashes). */
  setRecord(sid: number, record: Int32Array): void {
    this.delete(sid);
    this.ensureDoc(sid);
    this.start[sid] = this.append(record);
    this.size++;
  }

  delete(sid: number): void {
    if (sid >= this.start.length || this.start[sid] < 0) return;
    this.garbage += this.recordAt(this.start[sid]).length;
    this.start[sid] = -1;
    this.size--;
    if (this.garbage > CHUNK && this.garbage * 2 > this.stored) this.compact();
  }

  /**
   * Whether field `field` (0 title, 1 abstract, 2 authors; null for any) has
   * `seq` as consecutive words. false for a paper with no record.
   */
  contains(sid: number, field: number | null, seq: Int32Array): boolean {
    if (sid >= this.start.length) return false;
    const pos = this.start[sid];
    if (pos < 0 || !seq.length) return false;
    const d = this.chunks[pos >>> CHUNK_BITS];
    const at = pos & OFFSET_MASK;
    let from = at + SEQUENCE_FIELDS;
    for (let f = 0; f < SEQUENCE_FIELDS; f++) {
      const n = d[at + f];
      if (field === null || field === f) {
        const last = from + n - seq.length;
        outer: for (let i = from; i <= last; i++) {
          for (let j = 0; j < seq.length; j++) if (d[i + j] !== seq[j]) continue outer;
          return true;
        }
      }
      from += n;
    }
    return false;
  }

  /**
   * How many times each field (0 title, 1 abstract, 2 authors) has `seq` as
   * consecutive words, written to `out` (overlapping runs each count, as
   * FTS5 counts a phrase's instances); all 0 for a paper with no record.
   */
  count(sid: number, seq: Int32Array, out: Int32Array): void {
    out.fill(0);
    const pos = sid < this.start.length ? this.start[sid] : -1;
    if (pos < 0 || !seq.length) return;
    const d = this.chunks[pos >>> CHUNK_BITS];
    const at = pos & OFFSET_MASK;
    let from = at + SEQUENCE_FIELDS;
    for (let f = 0; f < SEQUENCE_FIELDS; f++) {
      const n = d[at + f];
      const last = from + n - seq.length;
      outer: for (let i = from; i <= last; i++) {
        for (let j = 0; j < seq.length; j++) if (d[i + j] !== seq[j]) continue outer;
        out[f]++;
      }
      from += n;
    }
  }

  /** Drops the spare room of the last chunk (after a bulk build or a load). */
  trim(): void {
    if (this.garbage) this.compact();
    const last = this.chunks.length - 1;
    if (last >= 0 && this.used < CHUNK) {
      this.chunks[last] = this.chunks[last].slice(0, this.used);
      // The next record starts a new chunk.
      this.used = CHUNK;
    }
  }

  /** Live records in shortId order, as [shortId, record] (record is a view: copy before mutating this). */
  *records(): Generator<[number, Int32Array]> {
    for (let sid = 0; sid < this.start.length; sid++) {
      const pos = this.start[sid];
      if (pos >= 0) yield [sid, this.recordAt(pos)];
    }
  }

  private recordAt(pos: number): Int32Array {
    const d = this.chunks[pos >>> CHUNK_BITS];
    const at = pos & OFFSET_MASK;
    let n = SEQUENCE_FIELDS;
    for (let f = 0; f < SEQUENCE_FIELDS; f++) n += d[at + f];
    return d.subarray(at, at + n);
  }

  private append(record: Int32Array): number {
    if (this.used + record.length > CHUNK) {
      this.chunks.push(new Int32Array(CHUNK));
      this.used = 0;
    }
    const c = this.chunks.length - 1;
    this.chunks[c].set(record, this.used);
    const pos = (c << CHUNK_BITS) | this.used;
    this.used += record.length;
    this.stored += record.length;
    return pos;
  }

  private ensureDoc(sid: number): void {
    if (sid < this.start.length) return;
    const next = new Int32Array(Math.max(this.start.length * 2, sid + 1)).fill(-1);
    next.set(this.start);
    this.start = next;
  }

  private compact(): void {
    const old = this.chunks;
    const starts = this.start;
    this.chunks = [];
    this.used = CHUNK;
    this.stored = 0;
    this.garbage = 0;
    for (let sid = 0; sid < starts.length; sid++) {
      const pos = starts[sid];
      if (pos < 0) continue;
      const d = old[pos >>> CHUNK_BITS];
      const at = pos & OFFSET_MASK;
      let n = SEQUENCE_FIELDS;
      for (let f = 0; f < SEQUENCE_FIELDS; f++) n += d[at + f];
      starts[sid] = this.append(d.subarray(at, at + n));
    }
  }
}
