// The in-process index in a thread of its own. The MiniSearch index is a
// few hundred MB of small objects; in the server's own heap its garbage
// collections (0.1-0.5 s under load) stalled every page. Here it lives in a
// worker's isolate, which also indexes new rows and saves the snapshot on the
// second core. SearchEngine is synchronous, so a query posts its arguments
// and blocks on Atomics.wait for the answer (~0.1 ms of overhead).
//
//   main thread                          worker (this file, run as its entry)
//   SearchWorker.search(q) --port-->     engine.search(q) --port--> reply, Atomics.notify
import { Worker, MessageChannel, isMainThread, parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { openDb } from '../db/client.ts';
import { QueryError } from './query.ts';
import { openSearch, startSyncLoop, type EngineName } from './index.ts';
import type { RelatedResult, SearchEngine, SearchOptions, SearchResult } from './types.ts';

interface Init {
  dbPath: string;
  dataDir: string;
  engine: EngineName;
  syncMs: number;
  flag: SharedArrayBuffer;
  port: MessagePort;
}

type Op = 'search' | 'related' | 'relatedText' | 'close';
type Reply = { ok: true; value: unknown } | { ok: false; name: string; message: string };

/** Longer than any query or a final snapshot save should take. */
const WAIT_MS = 60_000;

export class SearchWorker implements SearchEngine {
  private closed = false;

  private constructor(
    private readonly worker: Worker,
    private readonly port: MessagePort,
    private readonly flag: Int32Array,
    readonly name: 'minisearch' | 'fts5',
  ) {}

  /** Starts the worker and waits until its index is loaded or built (log lines arrive through `log`). */
  static start(opts: { dbPath: string; dataDir: string; engine: EngineName; syncMs: number; log: (line: string) => void }): Promise<SearchWorker> {
    const { port1, port2 } = new MessageChannel();
    const flag = new SharedArrayBuffer(4);
    const init: Init = { dbPath: opts.dbPath, dataDir: opts.dataDir, engine: opts.engine, syncMs: opts.syncMs, flag, port: port2 };
    // Workers do not inherit tsx's loader: register it, then load this module.
    const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); })`;
    const worker = new Worker(boot, { eval: true, workerData: init, transferList: [port2] });
    return new Promise((resolve, reject) => {
      worker.on('message', (m: { log?: string; ready?: { name: 'minisearch' | 'fts5' }; failed?: string }) => {
        if (m.log) opts.log(m.log);
        if (m.ready) resolve(new SearchWorker(worker, port1, new Int32Array(flag), m.ready.name));
        if (m.failed) reject(new Error(m.failed));
      });
      worker.on('error', reject);
      worker.on('exit', (code) => reject(new Error(`search worker exited (${code}) before it was ready`)));
    });
  }

  private call(op: Op, args: unknown[]): unknown {
    if (this.closed) throw new Error('search worker is closed');
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage({ op, args });
    if (Atomics.wait(this.flag, 0, 0, WAIT_MS) === 'timed-out') throw new Error(`search worker did not answer within ${WAIT_MS / 1000} s`);
    const reply = receiveMessageOnPort(this.port)?.message as Reply | undefined;
    if (!reply) throw new Error('search worker answered nothing');
    if (reply.ok) return reply.value;
    throw reply.name === 'QueryError' ? new QueryError(reply.message) : new Error(reply.message);
  }

  search(query: string, options?: SearchOptions): SearchResult {
    return this.call('search', [query, options]) as SearchResult;
  }

  related(id: string, size: number): RelatedResult | null {
    return this.call('related', [id, size]) as RelatedResult | null;
  }

  relatedText(text: string, size: number): RelatedResult {
    return this.call('relatedText', [text, size]) as RelatedResult;
  }

  /** The worker keeps itself up to date (see startSyncLoop). */
  sync(): number {
    return 0;
  }

  /** Saves the snapshot (in the worker) and stops it. */
  close(): void {
    if (this.closed) return;
    try {
      this.call('close', []);
    } finally {
      this.closed = true;
      void this.worker.terminate();
    }
  }
}

async function serve(init: Init): Promise<void> {
  const log = (line: string) => parentPort!.postMessage({ log: line });
  const db = openDb(init.dbPath);
  const engine = await openSearch(db, { engine: init.engine, dataDir: init.dataDir, log });
  const stopSync = startSyncLoop(engine, { intervalMs: init.syncMs, log });
  const flag = new Int32Array(init.flag);
  init.port.on('message', ({ op, args }: { op: Op; args: unknown[] }) => {
    let reply: Reply;
    try {
      if (op === 'close') {
        stopSync();
        engine.close();
        db.sqlite.close();
        reply = { ok: true, value: null };
      } else {
        const fn = engine[op] as (...a: unknown[]) => unknown;
        reply = { ok: true, value: fn.apply(engine, args) };
      }
    } catch (err) {
      reply = { ok: false, name: (err as Error).name, message: (err as Error).message };
    }
    init.port.postMessage(reply);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  });
  parentPort!.postMessage({ ready: { name: engine.name } });
}

if (!isMainThread && (workerData as Init | null)?.port) {
  serve(workerData as Init).catch((err: Error) => parentPort!.postMessage({ failed: `search worker: ${err.message}` }));
}
