// Time for typesetting on the request loop, used only when there is no
// typesetting thread. Each render gets its own window (a listing 20 ms, a
// paper page 30 ms); together, renders may typeset for at most a quarter of
// the server's time (a token bucket holding up to 100 ms), because every
// listing having its own 20 ms is not enough when many are asked for at once
// during an import.

const SHARE = 0.25;
const BURST_MS = 100;

/** One render's time to typeset on the loop. */
export interface LoopWindow {
  /** Whether a new formula may still be typeset now. */
  open(): boolean;
  /** Runs one typesetting, charging its time to the shared allowance. */
  run<T>(typeset: () => T): T;
}

export class LoopBudget {
  private allowance = BURST_MS;
  private refilledAt = performance.now();

  /** A window of `ms` (0: none; Infinity: unbounded and uncharged), within what the allowance holds now. */
  window(ms: number): LoopWindow {
    const now = performance.now();
    this.allowance = Math.min(BURST_MS, this.allowance + (now - this.refilledAt) * SHARE);
    this.refilledAt = now;
    const deadline = ms === Infinity ? Infinity : ms <= 0 ? -Infinity : now + Math.min(ms, Math.max(0, this.allowance));
    return {
      open: () => performance.now() <= deadline,
      run: <T>(typeset: () => T): T => {
        const start = performance.now();
        try {
          return typeset();
        } finally {
          if (deadline !== Infinity) this.allowance -= performance.now() - start;
        }
      },
    };
  }
}
