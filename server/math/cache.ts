// Typeset formulas: a memory layer bounded in bytes over the `math_cache`
// table. Pages never write the table themselves: one transaction per formula
// cost half a millisecond each, and waiting for the write lock (an import
// holding it) would stop every reader. New formulas wait in memory and a
// timer writes them in one transaction, trying again later when another
// process holds the lock or the disk is full.
import { LRUCache } from 'lru-cache';
import { tryWrite, type Db } from '../../db/client.ts';
import { getMathCached, putMathCached } from '../../db/listings.ts';
import { mathKey, type Typeset } from './typeset.ts';

/** Memory for hot formulas (a 2,000-character formula can typeset to ~176 KB, so the bound is in bytes). */
export const MATH_MEMORY_BYTES = 64 * 1024 * 1024;
/** Formulas waiting to be written; past this, the oldest wait for a later pass to typeset them again. */
const UNSAVED_MAX = 5000;
const FLUSH_MS = 250;
const RETRY_MS = 2000;

const bytesOf = (key: string, t: Typeset) => 2 * (key.length + t.html.length) + 64;

export class MathCache {
  private readonly memory: LRUCache<string, Typeset>;
  private readonly unsaved = new Map<string, Typeset>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    /** Where formulas are kept across restarts; absent: memory only. */
    private readonly db: Db | undefined,
    maxBytes = MATH_MEMORY_BYTES,
  ) {
    this.memory = new LRUCache<string, Typeset>({ maxSize: maxBytes, sizeCalculation: (t, key) => bytesOf(key, t) });
  }

  /** From memory, else from the table (then remembered); null when neither has it. */
  get(tex: string, display: boolean): Typeset | null {
    const key = mathKey(tex, display);
    const hit = this.memory.get(key);
    if (hit) return hit;
    const stored = this.db?.sqlite.open ? getMathCached(this.db, key) : null;
    if (stored) this.memory.set(key, stored);
    return stored;
  }

  /** Whether memory holds it (no table read). */
  inMemory(tex: string, display: boolean): boolean {
    return this.memory.has(mathKey(tex, display));
  }

  /** Whether memory or the table holds it, without bringing it into memory (the fill pass checks whole corpora). */
  has(tex: string, display: boolean): boolean {
    const key = mathKey(tex, display);
    return this.memory.has(key) || this.unsaved.has(key) || (!!this.db?.sqlite.open && getMathCached(this.db, key) !== null);
  }

  /** Remembers a formula; `persist` also queues it for the table (false for TeX a client sent: it must not grow the database). */
  put(tex: string, display: boolean, t: Typeset, persist: boolean): void {
    const key = mathKey(tex, display);
    this.memory.set(key, t);
    if (!persist || !this.db) return;
    if (this.unsaved.size >= UNSAVED_MAX) this.unsaved.delete(this.unsaved.keys().next().value as string);
    this.unsaved.set(key, t);
    this.schedule(FLUSH_MS);
  }

  /** Writes every queued formula in one transaction; false when that could not happen now (lock held, disk full). */
  flush(): boolean {
    if (!this.unsaved.size || !this.db) return true;
    // A closed connection (a test, a shutdown) has nowhere to write.
    if (!this.db.sqlite.open) {
      this.unsaved.clear();
      return true;
    }
    const db = this.db;
    const batch = [...this.unsaved];
    let ok = false;
    try {
      ok = tryWrite(db, () => db.sqlite.transaction(() => batch.forEach(([key, t]) => putMathCached(db, key, t.html, t.ok)))());
    } catch {
      // A full disk: memory keeps the formulas; a later pass tries again.
    }
    if (ok) for (const [key] of batch) this.unsaved.delete(key);
    return ok;
  }

  private schedule(ms: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.flush()) this.schedule(RETRY_MS);
    }, ms);
    this.timer.unref();
  }

  /** Stops the timer after one last write attempt. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.flush();
  }
}
