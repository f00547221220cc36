// The crawler's side of the shared request spacing (db/pace.ts): waits for its
// turn without ever blocking the event loop on SQLite's lock.
import type { Db } from '../../db/client.ts';
import { endTurn, takeTurn } from '../../db/pace.ts';
import { sleep } from './client.ts';

/** Spacing shared with other processes; the client waits for a turn before, and ends it after, every request. */
export interface RequestPace {
  /** Resolves when this process may send; `leaseMs` bounds how long the turn is held if the process dies. */
  turn(leaseMs: number, signal?: AbortSignal): Promise<void>;
  /** The request finished: others may send `gapMs` from now. */
  done(gapMs: number): void;
}

/** The longest single wait before asking again (another process's lease may end early). */
const POLL_MS = 100;

/** Spacing shared through the database `db` for requests to `host`. */
export function sharedPace(db: Db, host = 'arxiv.org'): RequestPace {
  return {
    async turn(leaseMs, signal) {
      for (;;) {
        const wait = takeTurn(db, host, leaseMs);
        if (wait === 0) return;
        await sleep(Math.min(wait, POLL_MS), signal);
      }
    },
    done(gapMs) {
      endTurn(db, host, gapMs);
    },
  };
}
