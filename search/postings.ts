// A compact posting list that MiniSearch can use where it expects its
// Map<shortDocId, termFrequency>: one Uint32Array, each entry
// shortId << 8 | min(tf, 255), sorted by shortId. New papers get ever larger
// short ids, so adding is an append. Four bytes a posting instead of the
// ~40 a Map entry costs is what brings the heap per paper under the goal.
//
// It implements the part of the Map interface MiniSearch 7 calls on these
// (get, set, delete, size, keys, entries, iteration) and iterates over a copy,
// so MiniSearch's vacuum may delete while it walks.

const TF_BITS = 8;
const TF_MAX = (1 << TF_BITS) - 1;
/** Short ids must fit in 24 bits: 16.7 M papers, far beyond what this engine is for. */
export const MAX_SHORT_ID = 2 ** (32 - TF_BITS) - 1;

export class PostingList {
  /** Packed entries; only the first `n` are in use. */
  data: Uint32Array;
  n: number;

  constructor(data?: Uint32Array) {
    this.data = data ?? new Uint32Array(2);
    this.n = data ? data.length : 0;
  }

  get size(): number {
    return this.n;
  }

  private find(sid: number): number {
    let lo = 0;
    let hi = this.n - 1;
    const d = this.data;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = d[mid] >>> TF_BITS;
      if (v < sid) lo = mid + 1;
      else if (v > sid) hi = mid - 1;
      else return mid;
    }
    return -(lo + 1);
  }

  get(sid: number): number | undefined {
    const n = this.n;
    if (n === 0) return undefined;
    // Most probes during indexing hit the last entry.
    const last = this.data[n - 1];
    if (last >>> TF_BITS === sid) return last & TF_MAX;
    const i = this.find(sid);
    return i >= 0 ? this.data[i] & TF_MAX : undefined;
  }

  has(sid: number): boolean {
    return this.get(sid) !== undefined;
  }

  set(sid: number, tf: number): this {
    if (sid > MAX_SHORT_ID) throw new RangeError(`posting list: short id ${sid} too large`);
    const v = ((sid << TF_BITS) | Math.min(Math.max(tf, 0), TF_MAX)) >>> 0;
    const n = this.n;
    if (n === 0 || this.data[n - 1] >>> TF_BITS < sid) {
      this.grow(n + 1);
      this.data[n] = v;
      this.n = n + 1;
      return this;
    }
    const i = this.find(sid);
    if (i >= 0) {
      this.data[i] = v;
      return this;
    }
    const at = -i - 1;
    this.grow(n + 1);
    this.data.copyWithin(at + 1, at, n);
    this.data[at] = v;
    this.n = n + 1;
    return this;
  }

  delete(sid: number): boolean {
    const i = this.find(sid);
    if (i < 0) return false;
    this.data.copyWithin(i, i + 1, this.n);
    this.n--;
    return true;
  }

  private grow(need: number): void {
    if (need <= this.data.length) return;
    const next = new Uint32Array(Math.max(need, Math.ceil(this.data.length * 1.5), 2));
    next.set(this.data.subarray(0, this.n));
    this.data = next;
  }

  /**
   * Cuts spare capacity down to an eighth of the list (after a bulk build or
   * a load). Not to zero: the first paper added after a start would then copy
   * every list it touches, which stalled a serving process for 150 ms.
   */
  trim(): void {
    const keep = this.n + (this.n >>> 3);
    if (this.data.length > keep) this.data = this.data.slice(0, keep);
  }

  /** A list over packed entries, with room for an eighth more. */
  static withSlack(packed: Uint32Array): PostingList {
    const data = new Uint32Array(packed.length + (packed.length >>> 3));
    data.set(packed);
    const list = new PostingList(data);
    list.n = packed.length;
    return list;
  }

  /** The packed entries in use (a view, not a copy). */
  packed(): Uint32Array {
    return this.data.subarray(0, this.n);
  }

  *entries(): IterableIterator<[number, number]> {
    const copy = this.data.slice(0, this.n);
    for (const v of copy) yield [v >>> TF_BITS, v & TF_MAX];
  }

  *keys(): IterableIterator<number> {
    const copy = this.data.slice(0, this.n);
    for (const v of copy) yield v >>> TF_BITS;
  }

  [Symbol.iterator](): IterableIterator<[number, number]> {
    return this.entries();
  }
}

export function unpackId(v: number): number {
  return v >>> TF_BITS;
}

export function unpackTf(v: number): number {
  return v & TF_MAX;
}

/**
 * How many papers hold a term in any of these fields' lists (the union of
 * their short ids, each list sorted), counting only those `live` accepts:
 * what FTS5 counts as the term's document frequency. A merge over the
 * lists, no allocation.
 */
export function papersIn(lists: readonly PostingList[], live: (sid: number) => boolean): number {
  if (lists.length === 1) {
    const d = lists[0].data;
    let n = 0;
    for (let i = 0; i < lists[0].n; i++) if (live(d[i] >>> TF_BITS)) n++;
    return n;
  }
  const at = new Array<number>(lists.length).fill(0);
  let n = 0;
  for (;;) {
    let low = Infinity;
    for (let k = 0; k < lists.length; k++) if (at[k] < lists[k].n) low = Math.min(low, lists[k].data[at[k]] >>> TF_BITS);
    if (low === Infinity) return n;
    for (let k = 0; k < lists.length; k++) if (at[k] < lists[k].n && lists[k].data[at[k]] >>> TF_BITS === low) at[k]++;
    if (live(low)) n++;
  }
}
