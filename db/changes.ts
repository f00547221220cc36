// The one watcher of "the papers changed": every ingest (crawler, importer,
// on-demand lookup, in this process or another) gives the rows it writes
// max(seq)+1, so the papers' change counter is max(seq). Caches validate
// against `current()`; background work (search sync, math fill) subscribes
// and hears each new value once, from one timer per connection.
import { type Db, type Sqlite, preparedPerConnection } from './client.ts';

const stmts = preparedPerConnection((sqlite: Sqlite) => ({
  maxSeq: sqlite.prepare('SELECT coalesce(max(seq), 0) FROM papers').pluck(),
  // Changes when another connection commits; this connection's own commits move total_changes() instead.
  dataVersion: sqlite.prepare('PRAGMA data_version').pluck(),
  ownChanges: sqlite.prepare('SELECT total_changes()').pluck(),
}));

export type ChangeListener = (seq: number) => void;

export class Changes {
  private seq = -1;
  private dataVersion = -1;
  private ownChanges = -1;
  private readonly listeners = new Set<ChangeListener>();
  private timer: NodeJS.Timeout | null = null;
  private announced = -1;

  constructor(
    private readonly db: Db,
    /** How often listeners are checked for, while there are any. */
    private readonly intervalMs = 1000,
  ) {}

  /**
   * The change counter now. Reads max(seq) only when some connection
   * committed since the last look, so a cache check costs two tiny statements.
   */
  current(): number {
    const s = stmts(this.db.sqlite);
    const dv = s.dataVersion.get() as number;
    const own = s.ownChanges.get() as number;
    if (dv !== this.dataVersion || own !== this.ownChanges || this.seq < 0) {
      this.dataVersion = dv;
      this.ownChanges = own;
      this.seq = s.maxSeq.get() as number;
    }
    return this.seq;
  }

  /**
   * Calls `listener(seq)` after each change (checked every `intervalMs`, and
   * at once when `poke()` is called); returns the unsubscribe function. A
   * listener that throws is logged by its owner, not here: it must not throw.
   */
  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    if (!this.timer) {
      this.timer = setInterval(() => this.check(), this.intervalMs);
      this.timer.unref();
    }
    return () => {
      this.listeners.delete(listener);
      if (!this.listeners.size && this.timer) {
        clearInterval(this.timer);
        this.timer = null;
      }
    };
  }

  /** Checks now (after a write through this connection, so listeners need not wait for the timer). */
  poke(): void {
    this.check();
  }

  private check(): void {
    if (!this.db.sqlite.open) return;
    const seq = this.current();
    if (seq === this.announced) return;
    this.announced = seq;
    for (const l of [...this.listeners]) l(seq);
  }

  /** Stops the timer (shutdown). */
  stop(): void {
    this.listeners.clear();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

const byConnection = new WeakMap<Sqlite, Changes>();

/** The watcher of this connection, made on first use (`intervalMs` applies only then). */
export function changesOf(db: Db, intervalMs?: number): Changes {
  let c = byConnection.get(db.sqlite);
  if (!c) byConnection.set(db.sqlite, (c = new Changes(db, intervalMs)));
  return c;
}
