// Runs one read query over several rowid ranges of the database at once:
// the calling thread takes the first range, worker threads (each with its own
// connection to the same file) the others. The FTS5 engine answers
// synchronously (a LocalSearchEngine), so the caller blocks on Atomics.wait
// until the workers answer; the event loop is blocked for the query either
// way, just for less time.
//
// The workers run plain JavaScript (eval), so they need no TypeScript loader;
// they execute SQL the engine built, with its parameters.
import { Worker, MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { createRequire } from 'node:module';

const WORKER = `
const { workerData } = require('node:worker_threads');
const flag = new Int32Array(workerData.flag);
let db = null;
let broken = null;
try {
  const Database = require(workerData.driver);
  db = new Database(workerData.path, { fileMustExist: true });
  db.pragma('busy_timeout = 10000');
  if (workerData.extension) db.loadExtension(workerData.extension, workerData.entry);
} catch (err) {
  // Reported with every answer, since the caller cannot see worker events while it waits.
  broken = 'fts5 shard worker: ' + String((err && err.message) || err);
}
const statements = new Map();
workerData.port.on('message', ({ sql, params }) => {
  let reply;
  try {
    if (broken) throw new Error(broken);
    let st = statements.get(sql);
    if (!st) statements.set(sql, (st = db.prepare(sql)));
    const args = params.map((p) => (p instanceof Uint8Array ? Buffer.from(p.buffer, p.byteOffset, p.byteLength) : p));
    reply = { rows: st.all(...args) };
  } catch (err) {
    reply = { error: String((err && err.message) || err) };
  }
  workerData.port.postMessage(reply);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
`;

/** Longer than any query should take; a worker that stays silent this long is reported. */
const WAIT_MS = 60_000;

export type Param = string | number | bigint | Buffer | null;

interface Helper {
  worker: Worker;
  port: MessagePort;
  flag: Int32Array;
}

export class ShardPool {
  private readonly helpers: Helper[] = [];
  /** Set when a worker stopped answering; the engine then queries on its own. */
  failed = false;

  /** `extension` is a loadable SQLite extension every worker connection loads, with its entry point. */
  constructor(path: string, workers: number, extension: { path: string; entry: string } | null) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    for (let i = 0; i < workers; i++) {
      const { port1, port2 } = new MessageChannel();
      const flag = new Int32Array(new SharedArrayBuffer(4));
      const worker = new Worker(WORKER, {
        eval: true,
        workerData: { driver, path, extension: extension?.path, entry: extension?.entry, flag: flag.buffer, port: port2 },
        transferList: [port2],
      });
      // An idle pool must not keep the process alive.
      worker.unref();
      port1.unref();
      this.helpers.push({ worker, port: port1, flag });
    }
  }

  /** How many ranges run at once (this thread plus the workers). */
  get size(): number {
    return this.helpers.length + 1;
  }

  /**
   * Runs `job(i)` for i = 0..n-1 (n at most size): i = 0 here, the others
   * in the workers, each producing its SQL and parameters. Returns the rows
   * in job order.
   */
  all<T>(job: (i: number) => { sql: string; params: Param[] }, here: (sql: string, params: Param[]) => T[], n = this.size): T[][] {
    const sent = this.helpers.slice(0, n - 1).map((h, k) => {
      const { sql, params } = job(k + 1);
      Atomics.store(h.flag, 0, 0);
      h.port.postMessage({ sql, params });
      return h;
    });
    const first = job(0);
    let mine: T[] | undefined;
    let failure: unknown;
    try {
      mine = here(first.sql, first.params);
    } catch (err) {
      failure = err;
    }
    // Collect every answer even after a failure, so no reply is left for the next query.
    const out: T[][] = [mine ?? []];
    for (const h of sent) {
      if (Atomics.wait(h.flag, 0, 0, WAIT_MS) === 'timed-out') {
        // Its late answer would be taken for the next query's: stop using the pool.
        this.failed = true;
        failure ??= new Error(`fts5 shard worker did not answer within ${WAIT_MS / 1000} s`);
        out.push([]);
        continue;
      }
      // The reply is queued before the flag is set, so it is there now.
      const msg = receiveMessageOnPort(h.port) as { message: { rows?: T[]; error?: string } } | undefined;
      if (!msg) throw new Error('fts5 shard worker set its flag without a reply');
      if (msg.message.error !== undefined) failure ??= new Error(msg.message.error);
      out.push(msg.message.rows ?? []);
    }
    if (failure) throw failure;
    return out;
  }

  close(): void {
    for (const h of this.helpers) {
      h.port.close();
      void h.worker.terminate();
    }
    this.helpers.length = 0;
  }
}
