// Each indexed paper's words in order, so phrase queries ("vision-language",
// "\"neural network\"") are confirmed in memory. MiniSearch keeps no
// positions; re-reading and re-tokenising candidate rows from SQLite cost
// 0.2-0.7 s for common pairs and stalled the server's one event loop.
//
// A word is stored as a 32-bit hash of its folded form (a phrase matches its
// words as written, as in FTS5). Two words whose hashes collide
// would have to sit side by side in a candidate paper to give a false match,
// which at ~1 M distinct words is vanishingly rare. All papers share one
// growable Int32Array (no object per paper); a paper's record is
// [title length, abstract length, authors length, ...hashes].

export const SEQUENCE_FIELDS = 3;

/** FNV-1a over UTF-16 code units. */
export function wordHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

export class TermSequences {
  private data: Int32Array;
  private used = 0;
  /** Slots no live paper points at any more; compacted away when they pass half. */
  private garbage = 0;
  /** shortId -> offset of its record in `data`, or -1. */
  private start: Int32Array;

  constructor(capacity = 1 << 16, docs = 1024) {
    this.data = new Int32Array(capacity);
    this.start = new Int32Array(docs).fill(-1);
  }

  /** Papers with a record. */
  size = 0;

  /** Bytes held (for the heap figures). */
  get bytes(): number {
    return this.data.byteLength + this.start.byteLength;
  }

  set(sid: number, fields: readonly (readonly number[])[]): void {
    if (fields.length !== SEQUENCE_FIELDS) throw new Error(`expected ${SEQUENCE_FIELDS} fields`);
    this.delete(sid);
    const len = SEQUENCE_FIELDS + fields.reduce((n, f) => n + f.length, 0);
    this.reserve(len);
    this.ensureDoc(sid);
    const at = this.used;
    let p = at;
    for (const f of fields) this.data[p++] = f.length;
    for (const f of fields) for (const h of f) this.data[p++] = h;
    this.used = p;
    this.start[sid] = at;
    this.size++;
  }

  /** Stores a record as written by `records()` (header and hashes). */
  setRecord(sid: number, record: Int32Array): void {
    this.delete(sid);
    this.reserve(record.length);
    this.ensureDoc(sid);
    this.data.set(record, this.used);
    this.start[sid] = this.used;
    this.used += record.length;
    this.size++;
  }

  delete(sid: number): void {
    if (sid >= this.start.length || this.start[sid] < 0) return;
    this.garbage += this.recordLength(this.start[sid]);
    this.start[sid] = -1;
    this.size--;
    if (this.garbage > 1 << 16 && this.garbage * 2 > this.used) this.compact();
  }

  has(sid: number): boolean {
    return sid < this.start.length && this.start[sid] >= 0;
  }

  /**
   * Whether field `field` (0 title, 1 abstract, 2 authors; null for any) has
   * `seq` as consecutive words. false for a paper with no record.
   */
  contains(sid: number, field: number | null, seq: Int32Array): boolean {
    if (sid >= this.start.length) return false;
    const at = this.start[sid];
    if (at < 0 || !seq.length) return false;
    const d = this.data;
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

  /** Drops spare capacity (after a bulk build or a load). */
  trim(): void {
    if (this.garbage) this.compact();
    if (this.data.length > this.used) this.data = this.data.slice(0, this.used);
  }

  /** Live records in shortId order, as [shortId, record] (record is a view: copy before mutating this). */
  *records(): Generator<[number, Int32Array]> {
    for (let sid = 0; sid < this.start.length; sid++) {
      const at = this.start[sid];
      if (at >= 0) yield [sid, this.data.subarray(at, at + this.recordLength(at))];
    }
  }

  private recordLength(at: number): number {
    let n = SEQUENCE_FIELDS;
    for (let f = 0; f < SEQUENCE_FIELDS; f++) n += this.data[at + f];
    return n;
  }

  private reserve(extra: number): void {
    if (this.used + extra <= this.data.length) return;
    const next = new Int32Array(Math.max(this.data.length * 2, this.used + extra));
    next.set(this.data.subarray(0, this.used));
    this.data = next;
  }

  private ensureDoc(sid: number): void {
    if (sid < this.start.length) return;
    const next = new Int32Array(Math.max(this.start.length * 2, sid + 1)).fill(-1);
    next.set(this.start);
    this.start = next;
  }

  private compact(): void {
    const live = this.used - this.garbage;
    const next = new Int32Array(Math.max(1 << 16, live));
    let p = 0;
    for (let sid = 0; sid < this.start.length; sid++) {
      const at = this.start[sid];
      if (at < 0) continue;
      const n = this.recordLength(at);
      next.set(this.data.subarray(at, at + n), p);
      this.start[sid] = p;
      p += n;
    }
    this.data = next;
    this.used = p;
    this.garbage = 0;
  }
}
