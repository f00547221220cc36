// Request spacing shared across processes through the database: every process
// that talks to a host takes its turn from one row, so a CLI crawl and the
// server's crawler together send no faster than one of them alone.
import type { Db } from './client.ts';

/** SQLite said another connection holds the lock. */
function busy(err: unknown): boolean {
  return !!(err as { code?: string }).code?.startsWith('SQLITE_BUSY');
}

/** Runs `fn` without waiting for SQLite's lock: waiting there would stop the event loop. */
function noWait<T>(db: Db, fn: () => T, whenBusy: T): T {
  const s = db.sqlite;
  const previous = s.pragma('busy_timeout', { simple: true }) as number;
  s.pragma('busy_timeout = 0');
  try {
    return fn();
  } catch (err) {
    if (busy(err)) return whenBusy;
    throw err;
  } finally {
    s.pragma(`busy_timeout = ${previous}`);
  }
}

/**
 * Takes the turn to send to `host` if it is free at `now`: the row then holds
 * a lease of `leaseMs` (a request's timeout plus the gap), so no other process
 * sends while this request is in flight, and a process killed mid-request
 * blocks the host only until the lease runs out. Returns 0 when the turn is
 * taken, else how many ms to wait before asking again (also when another
 * connection holds the write lock right now).
 */
export function takeTurn(db: Db, host: string, leaseMs: number, now = Date.now()): number {
  const s = db.sqlite;
  const nextAt = () => (s.prepare('SELECT next_at AS nextAt FROM request_pace WHERE host = ?').get(host) as { nextAt: number } | undefined)?.nextAt ?? 0;
  const due = nextAt();
  if (due > now) return due - now;
  return noWait(
    db,
    () =>
      s.transaction(() => {
        const again = nextAt();
        if (again > now) return again - now;
        s.prepare('INSERT INTO request_pace (host, next_at) VALUES (?, ?) ON CONFLICT(host) DO UPDATE SET next_at = excluded.next_at')
          .run(host, now + leaseMs);
        return 0;
      }).immediate(),
    1,
  );
}

/**
 * Ends this process's turn: the request finished at `now`, and no process
 * sends to `host` before `now + gapMs`. When the database is busy the lease
 * stands, which only delays the next request.
 */
export function endTurn(db: Db, host: string, gapMs: number, now = Date.now()): void {
  noWait(db, () => void db.sqlite.prepare('UPDATE request_pace SET next_at = ? WHERE host = ?').run(now + gapMs, host), undefined);
}
