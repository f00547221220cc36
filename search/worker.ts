// The search engine in a thread of its own. The MiniSearch index is a
// few hundred MB of small objects; in the server's own heap its garbage
// collections (0.1-0.5 s under load) stalled every page. Here it lives in a
// worker's isolate, which also indexes new rows and saves the snapshot on the
// second core. The FTS5 engine runs here too: its queries are synchronous
// SQLite calls, and from 100,000 papers it waits (Atomics.wait) for its range
// threads, which would otherwise hold up the request loop. Calls are messages answered by promises, so while the worker
// searches (or indexes a slice, or collects garbage) the request loop goes on
// serving pages; only the searches wait.
//
//   main thread                          worker (this file, run as its entry)
//   SearchWorker.search(q) --port-->     engine.search(q) --port--> {id, reply}
import { MessageChannel, isMainThread, parentPort, workerData, type MessagePort, type Worker } from 'node:worker_threads';
import { answerCalls, startTsWorker, ThreadCalls } from '../lib/threads.ts';
import { openDb } from '../db/client.ts';
import { QueryError } from './query.ts';
import { openSearch, startSyncLoop, type EngineName } from './index.ts';
import type { RelatedResult, SearchEngine, SearchOptions, SearchResult } from './types.ts';

interface Init {
  dbPath: string;
  dataDir: string;
  engine: EngineName;
  fts5Shards?: number;
  port: MessagePort;
}

type Op = 'search' | 'related' | 'relatedText' | 'close';

/**
 * The index thread's young generation, about twice V8's default. With the
 * default, enough of what queries and indexing allocate outlived two
 * scavenges to fill the old generation, and under load its major collection
 * of the whole index (incremental marking on this thread, the other core
 * being busy) held queries up for 0.1-0.3 s; with this, no major collection
 * happened in the load benchmark's runs. Scavenges stay at 5-10 ms.
 */
const YOUNG_GENERATION_MB = 96;

export class SearchWorker implements SearchEngine {
  private closed: Promise<void> | null = null;
  private readonly calls: ThreadCalls;

  private constructor(
    private readonly worker: Worker,
    private readonly port: MessagePort,
    readonly name: 'minisearch' | 'fts5',
  ) {
    this.calls = new ThreadCalls(worker, port, 'search worker', {
      errorOf: (r) => (r.name === 'QueryError' ? new QueryError(r.message) : new Error(r.message)),
    });
  }

  /** Starts the worker and waits until its index is loaded or built (log lines arrive through `log`). */
  static start(opts: { dbPath: string; dataDir: string; engine: EngineName; fts5Shards?: number; log: (line: string) => void }): Promise<SearchWorker> {
    const { port1, port2 } = new MessageChannel();
    const init: Init = { dbPath: opts.dbPath, dataDir: opts.dataDir, engine: opts.engine, fts5Shards: opts.fts5Shards, port: port2 };
    const worker = startTsWorker(import.meta.url, { workerData: init, transferList: [port2], resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    return new Promise((resolve, reject) => {
      let ready = false;
      worker.on('message', (m: { log?: string; ready?: { name: 'minisearch' | 'fts5' }; failed?: string }) => {
        if (m.log) opts.log(m.log);
        if (m.ready) {
          ready = true;
          resolve(new SearchWorker(worker, port1, m.ready.name));
        }
        if (m.failed) reject(new Error(m.failed));
      });
      worker.on('error', reject);
      worker.on('exit', (code) => ready || reject(new Error(`search worker exited (${code}) before it was ready`)));
    });
  }

  private call(op: Op, args: unknown[]): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('search worker is closed'));
    return this.calls.send({ op, args });
  }

  search(query: string, options?: SearchOptions): Promise<SearchResult> {
    return this.call('search', [query, options]) as Promise<SearchResult>;
  }

  related(id: string, size: number): Promise<RelatedResult | null> {
    return this.call('related', [id, size]) as Promise<RelatedResult | null>;
  }

  relatedText(text: string, size: number): Promise<RelatedResult> {
    return this.call('relatedText', [text, size]) as Promise<RelatedResult>;
  }

  /** The worker syncs itself when told the papers changed (changed()); this returns at once. */
  sync(): number {
    return 0;
  }

  /** Tells the index thread the papers changed (db/changes.ts): it syncs in slices, see startSyncLoop. */
  changed(): void {
    if (!this.closed) this.worker.postMessage({ changed: true });
  }

  /** Saves the snapshot (in the worker) and stops it. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      try {
        await this.calls.send({ op: 'close', args: [] });
      } finally {
        await this.worker.terminate();
        this.port.close();
      }
    })();
    return this.closed;
  }
}

async function serve(init: Init): Promise<void> {
  const log = (line: string) => parentPort!.postMessage({ log: line });
  const db = openDb(init.dbPath);
  const engine = await openSearch(db, { engine: init.engine, dataDir: init.dataDir, fts5Shards: init.fts5Shards, log });
  // The main thread watches the database (db/changes.ts) and says when the papers changed.
  const stopSync = startSyncLoop(engine, (listener) => {
    const onMessage = (m: { changed?: boolean }) => m.changed && listener();
    parentPort!.on('message', onMessage);
    return () => parentPort!.off('message', onMessage);
  }, { log });
  answerCalls(init.port, ({ op, args }: { id: number; op: Op; args: unknown[] }) => {
    if (op !== 'close') return (engine[op] as (...a: unknown[]) => unknown).apply(engine, args);
    stopSync();
    engine.close();
    db.sqlite.close();
    return null;
  });
  parentPort!.postMessage({ ready: { name: engine.name } });
}

if (!isMainThread && (workerData as Init | null)?.port) {
  serve(workerData as Init).catch((err: Error) => parentPort!.postMessage({ failed: `search worker: ${err.message}` }));
}
