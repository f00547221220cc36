// Math as a service: every page part with formulas is rendered through
// `render`, which typesets what no cache holds within the part's time budget
// and reports what it had to leave as source. Created once in server/main.ts
// (with the typesetting thread) and handed to the routes through AppDeps.
//
//   const { html, pending } = await math.render((m) => page(<Paper m={m} … />), PAPER_BUDGET_MS);
//   m.html('Let $x^2$ be …')      // escaped prose + typeset formulas (safe HTML)
//   m.formula('x^2', false)        // one formula (safe HTML)
//
// With the thread, a render runs twice: once to learn which formulas no cache
// holds, then, after asking the thread for them (ahead of the background
// fill) and waiting at most the budget, again with what arrived. Formulas that
// missed the budget go out as source marked `math-pending`; the page's script
// fills them from /api/math, and the thread's late answers are cached for the
// next reader. Without the thread (MATH_WORKER=off, or it failed), a render
// typesets on the request loop within its budget and all renders together
// within a quarter of the loop's time (LoopBudget).
import type { Db } from '../../db/client.ts';
import { changesOf } from '../../db/changes.ts';
import { escapeHtml } from '../../lib/html.ts';
import { splitTeX } from '../../lib/tex.ts';
import { texToUnicode } from '../../lib/textex.ts';
import { MathCache } from './cache.ts';
import { MathFill } from './fill.ts';
import { LoopBudget, type LoopWindow } from './budget.ts';
import { MathThread, type BackgroundTypesetter, type MathItem, type MathPriority } from './thread.ts';
import { hasMath, MAX_TEX_LENGTH, mathKey, pendingFormula, typeset, type Typeset } from './typeset.ts';

/** A listing (25 cards) waits this long for new formulas: there the render holds up nothing else, but the reader waits. */
export const LISTING_BUDGET_MS = 20;
/** A paper page has more to show than a listing's card, so it may wait a little longer. */
export const PAPER_BUDGET_MS = 30;

/** What a page part's builder typesets with. Both return safe HTML. */
export interface MathContext {
  /**
   * Text with formulas: prose with its text-mode TeX as Unicode (lib/textex.ts), escaped (or passed to
   * `prose`, which must escape, e.g. a search highlighter), math typeset.
   */
  html(text: string, prose?: (s: string) => string): string;
  /** One formula. */
  formula(tex: string, display: boolean): string;
}

export interface Rendered {
  html: string;
  /** Formulas sent as source for the page's script to fill (0: the part is complete and may be cached). */
  pending: number;
}

/** One pass of a builder: looks formulas up, typesets on the loop while its window allows, leaves the rest pending. */
class Pass implements MathContext {
  readonly missed: MathItem[] = [];
  pending = 0;
  private readonly seen = new Set<string>();

  constructor(
    private readonly cache: MathCache,
    /** Typesetting on the loop, within this window; absent: cache only (the thread typesets). */
    private readonly window?: LoopWindow,
  ) {}

  formula(tex: string, display: boolean): string {
    // Over-long TeX is never typeset: its error span costs nothing and is not cached.
    if (tex.length > MAX_TEX_LENGTH) return typeset(tex, display).html;
    const hit = this.cache.get(tex, display);
    if (hit) return hit.html;
    if (this.window?.open()) {
      const t = this.window.run(() => typeset(tex, display));
      this.cache.put(tex, display, t, true);
      return t.html;
    }
    this.pending++;
    const key = mathKey(tex, display);
    if (!this.seen.has(key)) {
      this.seen.add(key);
      this.missed.push([tex, display]);
    }
    return pendingFormula(tex, display);
  }

  html(text: string, prose: (s: string) => string = escapeHtml): string {
    if (!hasMath(text)) return prose(texToUnicode(text));
    let out = '';
    for (const seg of splitTeX(text)) out += seg.kind === 'text' ? prose(texToUnicode(seg.text)) : this.formula(seg.tex, seg.display);
    return out;
  }
}

export interface MathServiceOptions {
  /** Where typeset formulas are kept (the `math_cache` table); absent: memory only. */
  db?: Db;
  /** The typesetting thread (MathThread.start(), or a test's own); absent: renders typeset on the loop. */
  thread?: BackgroundTypesetter | null;
  log?: (line: string) => void;
}

export class MathService {
  readonly cache: MathCache;
  private readonly fill: MathFill | null;
  private readonly loop = new LoopBudget();
  /** Formulas asked of the thread and not answered yet, so each is asked once at a time. */
  private readonly inFlight = new Map<string, Promise<void>>();
  private listingBudgetMs = LISTING_BUDGET_MS;
  private stopFollowing: () => void = () => {};

  constructor(private readonly opts: MathServiceOptions = {}) {
    this.cache = new MathCache(opts.db);
    this.fill = opts.db ? new MathFill(opts.db, this.cache) : null;
  }

  /** A service with its own typesetting thread when `thread` is true (falls back to the loop, with a log line, if it cannot start). */
  static async start(db: Db, opts: { thread: boolean; log?: (line: string) => void }): Promise<MathService> {
    let thread: MathThread | null = null;
    if (opts.thread) {
      try {
        thread = await MathThread.start();
      } catch (err) {
        opts.log?.(`math: no typesetting thread, pages typeset on the request loop (${(err as Error).message})`);
      }
    }
    return new MathService({ db, thread, log: opts.log });
  }

  /** The working thread, if any. */
  private get thread(): BackgroundTypesetter | null {
    const t = this.opts.thread;
    return t && !t.failed ? t : null;
  }

  /** Sets the listing budget; 0 (tests) makes every uncached formula pending on every page. */
  setListingBudget(ms: number): void {
    this.listingBudgetMs = ms;
  }

  /**
   * Renders a page part whose formulas may be new, waiting at most
   * `budgetMs` (default: a listing's; Infinity: until every formula is typeset).
   */
  async render(build: (m: MathContext) => string, budgetMs = this.listingBudgetMs): Promise<Rendered> {
    const own = budgetMs === Infinity ? Infinity : this.listingBudgetMs === 0 ? 0 : budgetMs;
    const thread = this.thread;
    if (!thread) {
      const pass = new Pass(this.cache, this.loop.window(own));
      const html = build(pass);
      return { html, pending: pass.pending };
    }
    const first = new Pass(this.cache);
    const html = build(first);
    if (!first.missed.length) return { html, pending: 0 };
    const arrived = this.ask(first.missed, 'reader', true);
    if (own <= 0) return { html, pending: first.pending };
    if (own === Infinity) await arrived;
    else {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([arrived, new Promise<void>((resolve) => (timer = setTimeout(resolve, own)))]);
      clearTimeout(timer);
    }
    // What came in time is in memory now; the rest stays pending and is cached when it arrives.
    if (!first.missed.some(([tex, display]) => this.cache.inMemory(tex, display))) return { html, pending: first.pending };
    const second = new Pass(this.cache);
    return { html: build(second), pending: second.pending };
  }

  /**
   * One formula for /api/math: from the caches, else typeset (by the thread
   * when there is one, waiting for it) and kept in memory only — the TeX
   * comes from a client and must not grow the database.
   */
  async forClient(tex: string, display: boolean): Promise<Typeset> {
    const hit = this.cache.get(tex, display);
    if (hit) return hit;
    if (this.thread) await this.ask([[tex, display]], 'reader', false);
    const arrived = this.cache.get(tex, display);
    if (arrived) return arrived;
    const t = typeset(tex, display);
    this.cache.put(tex, display, t, false);
    return t;
  }

  /** Asks the thread for these formulas (each at most once at a time); resolves when all are in memory or the thread failed. */
  private ask(items: readonly MathItem[], priority: MathPriority, persist: boolean): Promise<void> {
    const thread = this.thread;
    const waits: Promise<void>[] = [];
    const fresh: MathItem[] = [];
    for (const [tex, display] of items) {
      const key = mathKey(tex, display);
      const pending = this.inFlight.get(key);
      if (pending) waits.push(pending);
      else if (!this.cache.inMemory(tex, display)) fresh.push([tex, display]);
    }
    if (thread && fresh.length) {
      const done = thread.typeset(fresh, priority).then(
        (results) => results.forEach((t, i) => this.cache.put(fresh[i][0], fresh[i][1], t, persist)),
        // A failed thread leaves these formulas pending; pages show their source and the browser typesets them from /api/math.
        () => {},
      );
      const settled = done.finally(() => fresh.forEach(([tex, display]) => this.inFlight.delete(mathKey(tex, display))));
      for (const [tex, display] of fresh) this.inFlight.set(mathKey(tex, display), settled);
      waits.push(settled);
    }
    return Promise.all(waits).then(() => {});
  }

  /** The background pass over the papers changed since the last one, here and now (tests, benchmarks); returns formulas typeset. */
  fillNow(limit = Infinity): number {
    return this.fill?.runNow(limit) ?? 0;
  }

  /** The background pass in slices that yield to readers; with the thread, its formulas go behind every reader's. */
  fillInBackground(): Promise<number> {
    if (!this.fill) return Promise.resolve(0);
    return this.fill.runInBackground({
      thread: this.thread ? (items) => this.ask(items, 'fill', true) : undefined,
      log: this.opts.log,
    });
  }

  /**
   * Runs the background pass after each change of the papers (db/changes.ts),
   * at most one at a time and one start per `minGapMs`; a change during a
   * pass starts another when it ends.
   */
  followChanges(minGapMs: number): void {
    const db = this.opts.db;
    if (!db) return;
    let running = false;
    let again = false;
    let last = Date.now();
    let timer: NodeJS.Timeout | null = null;
    const run = () => {
      timer = null;
      if (running) return void (again = true);
      const wait = last + minGapMs - Date.now();
      if (wait > 0) {
        timer = setTimeout(run, wait);
        timer.unref();
        return;
      }
      running = true;
      last = Date.now();
      void this.fillInBackground().finally(() => {
        running = false;
        if (again) {
          again = false;
          run();
        }
      });
    };
    const unsubscribe = changesOf(db).subscribe(() => timer ?? run());
    this.stopFollowing = () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
    };
  }

  /** Stops following changes, writes what waits, stops the thread. */
  async close(): Promise<void> {
    this.stopFollowing();
    this.cache.close();
    const t = this.opts.thread;
    if (t instanceof MathThread) await t.close().catch(() => {});
  }
}
