// Opens the configured search engine. MiniSearch (default) loads its snapshot
// from $DATA_DIR/search/, or builds from SQLite and saves one; either way it
// then catches up with rows changed since. FTS5 lives in the database itself.
import { join } from 'node:path';
import { dataDir, type Db } from '../db/client.ts';
import { readSetting } from '../lib/config.ts';
import { maxSeq } from '../db/queries.ts';
import type { LocalSearchEngine, SearchEngine, SearchOptions, SearchResult, RelatedResult } from './types.ts';
import { DEFAULT_TUNING, MiniSearchEngine, miniSearchOptions, type IndexDoc, type MiniSearchTuning } from './minisearch.ts';
import { loadSnapshot, removeStaleTemps, saveSnapshot, saveSnapshotAsync } from './snapshot.ts';
import { Fts5Engine } from './fts5.ts';
import { TOKENIZER_VERSION } from './tokenize.ts';

export type EngineName = 'minisearch' | 'fts5';

export interface OpenSearchOptions {
  engine?: EngineName;
  /** Where the snapshot lives: `<dataDir>/search/`. Defaults to $DATA_DIR. */
  dataDir?: string;
  log?: (line: string) => void;
  tuning?: MiniSearchTuning;
  /** For the fts5 engine: how many threads answer a query (default: see Fts5OpenOptions.shards). */
  fts5Shards?: number;
}

export async function openSearch(db: Db, opts: OpenSearchOptions = {}): Promise<LocalSearchEngine> {
  const name = opts.engine ?? readSetting('SEARCH_ENGINE');
  const log = opts.log ?? (() => {});
  if (name === 'fts5') return Fts5Engine.open(db, { log, shards: opts.fts5Shards });
  if (name !== 'minisearch') throw new Error(`SEARCH_ENGINE must be "minisearch" or "fts5", not "${name}"`);
  const file = db.path === ':memory:' && !opts.dataDir ? null : join(opts.dataDir ?? dataDir(), 'search', 'minisearch.bin');
  return PersistentMiniSearch.open(db, file, opts.tuning ?? DEFAULT_TUNING, log);
}

const DEFER_MS = 100;
const RETRY_MS = 2000;

/** How a sync loop hears that the papers changed: registers a callback, returns the unsubscribe function. */
export type OnChange = (listener: () => void) => () => void;

/**
 * Keeps an engine up to date with rows written anywhere: on each change
 * (db/changes.ts, or the main thread's message in the search worker), in
 * slices of 20 papers (~6 ms), each followed by a pause three times as long,
 * so a big import never takes more than a quarter of the event loop from the
 * queries. Returns a function that stops it.
 */
export function startSyncLoop(search: SearchEngine, onChange: OnChange, opts: { log: (line: string) => void }): () => void {
  const SLICE = 20;
  let syncing = false;
  let stopped = false;
  const slice = (total: number) => {
    if (stopped) return;
    try {
      const t = performance.now();
      const n = search.sync(SLICE);
      if (n > 0) return void setTimeout(() => slice(total + n), Math.max(5, 3 * (performance.now() - t)));
      // Held still (a snapshot save): the rows are still to do, and no new change may come to say so.
      if (search.deferring?.()) return void setTimeout(() => slice(total), DEFER_MS);
      if (total) opts.log(`search: indexed ${total} changed papers`);
    } catch (err) {
      opts.log(`search: sync failed, will retry: ${(err as Error).message}`);
      return void setTimeout(() => slice(total), RETRY_MS);
    }
    syncing = false;
  };
  const unsubscribe = onChange(() => {
    // A change during a sync is picked up by its slices, which run until nothing is left.
    if (syncing || stopped) return;
    syncing = true;
    slice(0);
  });
  return () => {
    stopped = true;
    unsubscribe();
  };
}

/** What makes a snapshot reusable: same tokenizer, same index options. */
export function snapshotKey(tuning: MiniSearchTuning): string {
  // The index itself holds unstemmed words; stemming is applied at query time.
  return JSON.stringify({ tokenizer: TOKENIZER_VERSION });
}

// A save costs 1-2 s of CPU (in slices), so it waits for enough change; what
// is not saved is re-indexed at the next start (~1 ms a paper).
const SAVE_AFTER_CHANGES = 10_000;
const SAVE_AFTER_MS = 10 * 60_000;

/** The MiniSearch engine plus its snapshot file. */
export class PersistentMiniSearch implements LocalSearchEngine {
  readonly name = 'minisearch' as const;
  private unsaved = 0;
  private lastSave = Date.now();
  /** A background save in progress: syncs wait, so the index it walks stays still. */
  private saving: Promise<void> | null = null;
  private closed = false;

  private constructor(
    readonly engine: MiniSearchEngine,
    private readonly file: string | null,
    private readonly tuning: MiniSearchTuning,
    private readonly log: (line: string) => void,
  ) {}

  static open(db: Db, file: string | null, tuning: MiniSearchTuning, log: (line: string) => void): PersistentMiniSearch {
    const key = snapshotKey(tuning);
    let engine: MiniSearchEngine | null = null;
    if (file) {
      const t = performance.now();
      for (const name of removeStaleTemps(file)) log(`search: removed ${name}, left by a writer that was killed`);
      try {
        const snap = loadSnapshot<IndexDoc>(file, miniSearchOptions(tuning), key);
        if (!snap) log(`search: no snapshot at ${file}, building the index`);
        else if (snap.meta.watermark > maxSeq(db)) log(`search: snapshot is ahead of the database (another database?), rebuilding`);
        else {
          engine = new MiniSearchEngine(db, snap.ms, snap.sequences, snap.meta.watermark, tuning);
          log(`search: loaded snapshot (${engine.size} papers, ${(snap.bytes / 1e6).toFixed(1)} MB) in ${Math.round(performance.now() - t)} ms`);
        }
      } catch (err) {
        log(`search: snapshot ${file} unusable (${(err as Error).message}), rebuilding`);
      }
    }
    let fresh = false;
    if (!engine) {
      const t = performance.now();
      engine = MiniSearchEngine.build(db, tuning);
      log(`search: built the index of ${engine.size} papers in ${Math.round(performance.now() - t)} ms`);
      fresh = true;
    }
    const p = new PersistentMiniSearch(engine, file, tuning, log);
    const n = engine.sync();
    if (n) log(`search: caught up with ${n} changed papers`);
    if (fresh || n) p.save();
    return p;
  }

  save(): void {
    if (!this.file) return;
    const t = performance.now();
    try {
      const bytes = saveSnapshot(this.file, this.engine.ms, this.engine.sequences, { key: snapshotKey(this.tuning), watermark: this.engine.watermark });
      this.log(`search: saved snapshot (${(bytes / 1e6).toFixed(1)} MB) in ${Math.round(performance.now() - t)} ms`);
      this.unsaved = 0;
      this.lastSave = Date.now();
    } catch (err) {
      this.log(`search: could not save snapshot: ${(err as Error).message}`);
    }
  }

  search(query: string, options?: SearchOptions): SearchResult {
    return this.engine.search(query, options);
  }

  related(id: string, size: number): RelatedResult | null {
    return this.engine.related(id, size);
  }

  relatedText(text: string, size: number): RelatedResult {
    return this.engine.relatedText(text, size);
  }

  /**
   * Writes the snapshot between requests (a pause after each frame), so a
   * large index never stalls the server for seconds; resolves when done or
   * failed (failures are logged, the in-memory index stays good).
   */
  saveInBackground(): Promise<void> {
    if (!this.file || this.closed) return Promise.resolve();
    if (this.saving) return this.saving;
    const t = performance.now();
    const saved = this.unsaved;
    const pause = () =>
      new Promise<void>((resolve, reject) => setImmediate(() => (this.closed ? reject(new Error('closed during save')) : resolve())));
    this.saving = saveSnapshotAsync(this.file, this.engine.ms, this.engine.sequences, { key: snapshotKey(this.tuning), watermark: this.engine.watermark }, pause)
      .then((bytes) => {
        this.log(`search: saved snapshot (${(bytes / 1e6).toFixed(1)} MB) in ${Math.round(performance.now() - t)} ms, in the background`);
        this.unsaved -= saved;
        this.lastSave = Date.now();
      })
      .catch((err: Error) => {
        if (!this.closed) this.log(`search: could not save snapshot: ${err.message}`);
      })
      .finally(() => {
        this.saving = null;
      });
    return this.saving;
  }

  /** True while a background snapshot save holds the index still (sync() then defers). */
  deferring(): boolean {
    return this.saving !== null;
  }

  sync(maxRows?: number): number {
    if (this.saving) return 0;
    const n = this.engine.sync(maxRows);
    this.unsaved += n;
    if (this.unsaved >= SAVE_AFTER_CHANGES || (this.unsaved > 0 && Date.now() - this.lastSave > SAVE_AFTER_MS)) void this.saveInBackground();
    return n;
  }

  close(): void {
    this.closed = true;
    if (this.unsaved > 0) this.save();
    this.engine.close();
  }
}
