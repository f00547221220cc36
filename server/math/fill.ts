// The background pass: after an import or a crawl, typeset the formulas of
// the papers that changed, so readers rarely wait for MathJax. It walks the
// changed rows in rowid order and remembers where it got to (per database,
// in this process): rows with seq in (fromSeq, top]; when a walk ends,
// fromSeq becomes top and the next walk sees only rows changed since.
import { performance as perfHooks } from 'node:perf_hooks';
import type { Db } from '../../db/client.ts';
import { changesOf } from '../../db/changes.ts';
import { papersWithMathAfter } from '../../db/listings.ts';
import { splitTeX } from '../../lib/tex.ts';
import type { MathCache } from './cache.ts';
import { hasMath, typeset } from './typeset.ts';
import type { MathItem } from './thread.ts';

/** Papers read per query of the walk. */
const BATCH_PAPERS = 200;

export interface FillSlice {
  /** Formulas typeset (or handed to the thread) in this slice. */
  typeset: number;
  /** No changed row is left to look at. */
  finished: boolean;
  /** Another process holds the write lock: the formulas typeset meanwhile wait in memory, the caller backs off. */
  busy: boolean;
}

export class MathFill {
  private walk = { fromSeq: -1, top: -1, rowid: 0, active: false };

  constructor(
    private readonly db: Db,
    private readonly cache: MathCache,
  ) {}

  /** The changed titles and abstracts that may hold formulas, resuming where the last call stopped. */
  private *texts(): Generator<string> {
    if (!this.walk.active) this.walk = { fromSeq: this.walk.top, top: changesOf(this.db).current(), rowid: 0, active: true };
    for (;;) {
      const rows = papersWithMathAfter(this.db, this.walk, BATCH_PAPERS);
      if (!rows.length) {
        this.walk.active = false;
        return;
      }
      for (const r of rows) {
        yield r.title;
        yield r.abstract;
        // Only advance past a row once both its texts were handed out.
        this.walk.rowid = r.rowid;
      }
    }
  }

  /**
   * One bounded piece of the pass: at most `limit` new formulas or
   * `maxChecks` cache lookups. New formulas go to `handOff` when given (the
   * math thread), else are typeset here and queued for the table.
   */
  slice(limit: number, maxChecks: number, handOff?: (item: MathItem) => void): FillSlice {
    if (!this.cache.flush()) return { typeset: 0, finished: false, busy: true };
    let done = 0;
    let checks = 0;
    let finished = true;
    for (const text of this.texts()) {
      if (!hasMath(text)) continue;
      for (const seg of splitTeX(text)) {
        if (seg.kind !== 'math') continue;
        checks++;
        if (this.cache.has(seg.tex, seg.display)) continue;
        done++;
        if (handOff) handOff([seg.tex, seg.display]);
        else this.cache.put(seg.tex, seg.display, typeset(seg.tex, seg.display), true);
      }
      // Checked between texts, so the walk never skips a formula.
      if (done >= limit || checks >= maxChecks) {
        finished = false;
        break;
      }
    }
    const busy = !this.cache.flush();
    return { typeset: done, finished: finished && !busy, busy };
  }

  /**
   * The whole pass at once, on this thread (tests, benchmarks): typesets
   * every new formula of the changed papers, up to `limit`; returns how many.
   */
  runNow(limit = Infinity): number {
    return this.slice(limit, Infinity).typeset;
  }

  /**
   * The pass in short slices on the event loop, so a running server keeps
   * answering. With `thread`, a slice only finds formulas and hands them over
   * (20 at a time, at the thread's fill priority, behind every reader);
   * without, it typesets 2 (~8 ms) per slice. It yields to readers: when
   * other work kept the loop busy for more than a fifth of the time since its
   * last slice, it waits `backoffMs`. Resolves with the formulas typeset.
   */
  runInBackground(opts: { thread?: (items: MathItem[]) => Promise<void>; backoffMs?: number; log?: (s: string) => void }): Promise<number> {
    const backoffMs = opts.backoffMs ?? 100;
    let total = 0;
    return new Promise((resolve) => {
      let mark = perfHooks.eventLoopUtilization();
      const later = (ms: number) => {
        mark = perfHooks.eventLoopUtilization();
        if (ms) setTimeout(step, ms);
        else setImmediate(step);
      };
      const step = () => {
        const others = perfHooks.eventLoopUtilization(mark);
        if (others.active > 2 && others.utilization > 0.2) return later(backoffMs);
        const handed: MathItem[] = [];
        let r: FillSlice;
        try {
          r = opts.thread ? this.slice(20, 500, (item) => handed.push(item)) : this.slice(2, 50);
        } catch (err) {
          opts.log?.(`math cache: background pass stopped: ${(err as Error).message}`);
          return resolve(total);
        }
        total += r.typeset;
        const next = () => {
          // Formulas still unsaved at the end are written by the next pass.
          if (r.finished) {
            if (total) opts.log?.(`math cache: typeset ${total} formulas`);
            return resolve(total);
          }
          later(r.busy ? backoffMs : 0);
        };
        if (handed.length && opts.thread) void opts.thread(handed).then(next, next);
        else next();
      };
      later(0);
    });
  }
}
