// Every term of a big FTS5 index with the number of papers holding it, kept
// in memory. FTS5 stores no document frequencies: fts5vocab counts a term's
// postings each time it is asked (25 ms for "model" in 2.7 M papers), and a
// same-stem search asks for every indexed word that shares a prefix with the
// query word, counting all their postings. Reading the whole vocabulary once
// costs about as much as a few hundred such queries, so from a corpus size
// on (VOCABULARY_ABOVE in fts5.ts) the engine reads it at start and keeps it
// current from the papers each sync brings.
import type { Sqlite } from '../db/client.ts';

/** Unicode61 with remove_diacritics 2, as the FTS table tokenizes: letters and digits, folded, lower case. */
const MARKS = /\p{M}+/gu;
const TOKEN = /[\p{L}\p{N}\p{Co}]+/gu;

function unicode61Terms(text: string): Set<string> {
  return new Set(text.normalize('NFKD').replace(MARKS, '').toLowerCase().match(TOKEN) ?? []);
}

export class Vocabulary {
  /** Papers added since the read, per term of the read vocabulary. */
  private readonly added = new Map<string, number>();
  /** Terms first seen since the read; few (new spellings), so a range scans them all. */
  private readonly fresh = new Map<string, number>();

  private constructor(
    /** Sorted in JavaScript string order, which the binary searches below use. */
    private readonly terms: string[],
    private readonly docs: Int32Array,
  ) {}

  /** Reads every term of `table`'s fts5vocab ('row') table. */
  static read(sqlite: Sqlite, vocabTable: string): Vocabulary {
    const terms: string[] = [];
    const docs: number[] = [];
    for (const [term, doc] of sqlite.prepare(`SELECT term, doc FROM ${vocabTable}`).raw().iterate() as Iterable<[string, number]>) {
      terms.push(term);
      docs.push(doc);
    }
    // fts5vocab orders by UTF-8 bytes; JavaScript compares UTF-16 units. They
    // differ only around characters outside the BMP, but a binary search needs one order.
    let sorted = true;
    for (let i = 1; i < terms.length && sorted; i++) sorted = terms[i - 1] < terms[i];
    if (sorted) return new Vocabulary(terms, Int32Array.from(docs));
    const order = terms.map((_, i) => i).sort((a, b) => (terms[a] < terms[b] ? -1 : 1));
    return new Vocabulary(
      order.map((i) => terms[i]),
      Int32Array.from(order, (i) => docs[i]),
    );
  }

  get size(): number {
    return this.terms.length + this.fresh.size;
  }

  private lowerBound(term: string): number {
    let lo = 0;
    let hi = this.terms.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.terms[mid] < term) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** How many papers hold `term` (0: none). */
  docCount(term: string): number {
    const i = this.lowerBound(term);
    if (i < this.terms.length && this.terms[i] === term) return this.docs[i] + (this.added.get(term) ?? 0);
    return this.fresh.get(term) ?? 0;
  }

  /** The terms t with lo <= t < hi and their counts, in order, at most `limit` of them. */
  range(lo: string, hi: string, limit: number): [string, number][] {
    const out: [string, number][] = [];
    for (let i = this.lowerBound(lo); i < this.terms.length && this.terms[i] < hi && out.length < limit; i++) {
      out.push([this.terms[i], this.docs[i] + (this.added.get(this.terms[i]) ?? 0)]);
    }
    let merged = false;
    for (const [t, n] of this.fresh) {
      if (t >= lo && t < hi) {
        out.push([t, n]);
        merged = true;
      }
    }
    if (merged) out.sort((a, b) => (a[0] < b[0] ? -1 : 1));
    return out.slice(0, limit);
  }

  /**
   * Terms at most `maxDistance` edits from `word` that start with its first
   * letter (typos there are rare, and it keeps this a scan of one letter's
   * range), with their counts. For suggestions only.
   */
  *near(word: string, maxDistance: number, distance: (a: string, b: string, max: number) => number): Generator<[string, number]> {
    if (!word) return;
    const first = word[0];
    const next = String.fromCharCode(first.charCodeAt(0) + 1);
    for (let i = this.lowerBound(first); i < this.terms.length && this.terms[i] < next; i++) {
      const t = this.terms[i];
      if (Math.abs(t.length - word.length) > maxDistance) continue;
      if (distance(word, t, maxDistance) <= maxDistance) yield [t, this.docs[i] + (this.added.get(t) ?? 0)];
    }
    for (const [t, n] of this.fresh) {
      if (t[0] === first && Math.abs(t.length - word.length) <= maxDistance && distance(word, t, maxDistance) <= maxDistance) yield [t, n];
    }
  }

  /**
   * Counts a new paper's terms. A paper written again (a new version) counts
   * again, so counts drift up slightly until the next start; for ranking
   * that is far below what matters.
   */
  addPaper(text: string): void {
    for (const t of unicode61Terms(text)) {
      const i = this.lowerBound(t);
      if (i < this.terms.length && this.terms[i] === t) this.added.set(t, (this.added.get(t) ?? 0) + 1);
      else this.fresh.set(t, (this.fresh.get(t) ?? 0) + 1);
    }
  }
}
