// Runs one read query over several rowid ranges of the database at once:
// the calling thread takes the first range, range threads
// (search/fts5-shard-thread.ts, each with its own connection to the same
// file, opened through db/client.ts) the others. The FTS5 engine answers
// synchronously (a LocalSearchEngine), so the caller blocks on Atomics.wait
// until the threads answer. In the server that caller is the search thread
// (search/worker.ts), never the request loop; only with SEARCH_WORKER=off
// does the request loop wait here, as it would for the whole query anyway.
import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import { startTsWorker } from '../lib/threads.ts';
import type { RankTable } from './fts5-rank.ts';
import type { ShardInit, ShardQuery, ShardReply } from './fts5-shard-thread.ts';

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

  /** `rank`: every range thread's connection loads bm25_df() (search/fts5-rank.ts) over this table, as the engine's own did; null: not. */
  constructor(path: string, workers: number, rank: RankTable | null) {
    for (let i = 0; i < workers; i++) {
      const { port1, port2 } = new MessageChannel();
      const flag = new Int32Array(new SharedArrayBuffer(4));
      const fts5Shard: ShardInit = { path, rank, flag: flag.buffer as SharedArrayBuffer, port: port2 };
      const worker = startTsWorker(new URL('./fts5-shard-thread.ts', import.meta.url), { workerData: { fts5Shard }, transferList: [port2] });
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
      h.port.postMessage({ sql, params } satisfies ShardQuery);
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
      // Only the flag says this reply is in: a wake-up may be the previous
      // query's notify, arriving late when the thread was descheduled between
      // setting the flag and notifying.
      const deadline = performance.now() + WAIT_MS;
      while (Atomics.load(h.flag, 0) === 0 && performance.now() < deadline) Atomics.wait(h.flag, 0, 0, deadline - performance.now());
      if (Atomics.load(h.flag, 0) === 0) {
        // Its late answer would be taken for the next query's: stop using the pool.
        this.failed = true;
        failure ??= new Error(`fts5 range thread did not answer within ${WAIT_MS / 1000} s`);
        out.push([]);
        continue;
      }
      // The reply is queued before the flag is set, so it is there now.
      const msg = receiveMessageOnPort(h.port) as { message: ShardReply } | undefined;
      if (!msg) {
        this.failed = true;
        throw new Error('fts5 range thread set its flag without a reply');
      }
      if (msg.message.error !== undefined) failure ??= new Error(msg.message.error);
      out.push((msg.message.rows as T[] | undefined) ?? []);
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
