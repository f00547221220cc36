// One range thread of the FTS5 engine (search/fts5-shards.ts is the caller's
// side): its own connection to the same database file, opened through
// db/client.ts, with bm25_df() loaded when the engine ranks with it. It runs
// the SQL the engine built, with its parameters, and answers on its port,
// then raises the shared flag the caller waits on.
import { workerData, type MessagePort } from 'node:worker_threads';
import type { Statement } from 'better-sqlite3';
import { openDb, type Db } from '../db/client.ts';
import { loadRank, type RankTable } from './fts5-rank.ts';

/** What the caller hands a range thread. */
export interface ShardInit {
  path: string;
  /** Load bm25_df() (search/fts5-rank.ts) into the connection, over this table; null: do not. */
  rank: RankTable | null;
  /** Set to 1 (and notified) after each reply is posted. */
  flag: SharedArrayBuffer;
  port: MessagePort;
}

/** A query for one rowid range; the reply is `{rows}` or `{error}`. */
export interface ShardQuery {
  sql: string;
  params: unknown[];
}

export type ShardReply = { rows: unknown[]; error?: undefined } | { rows?: undefined; error: string };

function serve(init: ShardInit): void {
  const flag = new Int32Array(init.flag);
  let db: Db | null = null;
  // Reported with every answer, since the caller cannot see this thread's events while it waits.
  let broken: string | null = null;
  try {
    db = openDb(init.path, { migrate: false });
    if (init.rank && !loadRank(db.sqlite, init.rank)) throw new Error('bm25_df could not be loaded');
  } catch (err) {
    broken = `fts5 range thread: ${(err as Error).message}`;
  }
  const statements = new Map<string, Statement<unknown[]>>();
  init.port.on('message', ({ sql, params }: ShardQuery) => {
    let reply: ShardReply;
    try {
      if (broken || !db) throw new Error(broken ?? 'no connection');
      let st = statements.get(sql);
      if (!st) statements.set(sql, (st = db.sqlite.prepare(sql)));
      // Buffers arrive as plain Uint8Arrays.
      const args = params.map((p) => (p instanceof Uint8Array && !Buffer.isBuffer(p) ? Buffer.from(p.buffer, p.byteOffset, p.byteLength) : p));
      reply = { rows: st.all(...args) };
    } catch (err) {
      reply = { error: (err as Error).message };
    }
    init.port.postMessage(reply);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  });
}

if ((workerData as { fts5Shard?: ShardInit } | null)?.fts5Shard) serve((workerData as { fts5Shard: ShardInit }).fts5Shard);
