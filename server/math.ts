// Math on the server: TeX in titles and abstracts becomes MathJax CHTML once,
// here, and the browser never loads MathJax (only its stylesheet and fonts,
// served by mathAssetRoutes: /math/mathjax.css, /math/fonts/*.woff, linked
// from the layout). CHTML over SVG by measurement: ~6x fewer bytes per formula
// (0.7 KB vs 4 KB, 15x fewer gzipped) and ~2x faster to typeset; see
// BENCHMARKS.md "Pages". Reusable by any page:
//
//   import { mathHtml, typeset } from '../math.ts';
//   mathHtml('Let $x^2$ be ...', db)   // escaped prose + typeset formulas, as an HTML string
//   typeset('x^2', false)              // one formula -> { html, ok }
//
// Every formula comes out as
//   <span class="math notranslate" translate="no" role="img" aria-label="TeX" data-tex="TeX"><mjx-container …></span>
// so browser page translators leave it alone by construction, screen readers
// read its source, and the copy script can put the TeX on the clipboard. A
// formula MathJax cannot handle (a TeX error, or one of the rare JavaScript
// errors real arXiv TeX provokes) shows its escaped source with class
// `math-error`; the page still renders.
//
// Safety: the TeX packages that can emit links, classes, styles, ids or raw
// HTML (html: \href \class \style \cssId; unicode; action; require/autoload)
// are not loaded, macro definitions (newcommand) are off so one abstract cannot
// redefine another's macros, and the safe extension filters what remains.
// Prose outside math is always HTML-escaped.
import { performance as perfHooks } from 'node:perf_hooks';
import { mathjax } from 'mathjax-full/js/mathjax.js';
import { TeX } from 'mathjax-full/js/input/tex.js';
import { CHTML } from 'mathjax-full/js/output/chtml.js';
import { liteAdaptor } from 'mathjax-full/js/adaptors/liteAdaptor.js';
import { RegisterHTMLHandler } from 'mathjax-full/js/handlers/html.js';
import { SafeHandler } from 'mathjax-full/js/ui/safe/SafeHandler.js';
import { AllPackages } from 'mathjax-full/js/input/tex/AllPackages.js';
import { tryWrite, type Db } from '../db/client.ts';
import { getMathCached, putMathCached, distinctTexMissing } from '../db/listings.ts';

/** TeX packages that could emit links, styles, classes, raw HTML, or change state across formulas. */
const UNSAFE_PACKAGES = new Set([
  'html', 'unicode', 'action', 'require', 'autoload', 'newcommand', 'configmacros', 'noerrors', 'noundefined', 'bussproofs',
]);
export const TEX_PACKAGES: readonly string[] = AllPackages.filter((p) => !UNSAFE_PACKAGES.has(p));

/** Formulas longer than this are shown as source: nobody writes them on purpose in an abstract. */
export const MAX_TEX_LENGTH = 2000;

// Prose and formulas are told apart by one splitter shared with search
// highlighting, so a span is math for the typesetter exactly when it is for the highlighter.
import { escapeHtml } from '../lib/html.ts';
import { splitTeX } from '../lib/tex.ts';

// ---------- typesetting one formula ----------

export interface Typeset {
  /** The complete wrapper span (safe HTML). */
  html: string;
  /** False when MathJax rejected it and `html` shows the source as an error. */
  ok: boolean;
}

type Engine = { convert: (tex: string, display: boolean) => string; reset: () => void; css: () => string };
let engine: Engine | null = null;

function makeEngine(): Engine {
  const adaptor = liteAdaptor();
  SafeHandler(RegisterHTMLHandler(adaptor));
  const tex = new TeX({
    packages: TEX_PACKAGES as string[],
    tags: 'none',
    // Errors must reach us (not become red text) so we can mark them.
    formatError: (_jax: unknown, err: Error) => {
      throw err;
    },
  });
  // adaptiveCSS off: the stylesheet covers every glyph, so each cached formula
  // works on any page without per-page CSS.
  const chtml = new CHTML({ fontURL: MATH_FONT_URL, adaptiveCSS: false });
  const doc = mathjax.document('', { InputJax: tex, OutputJax: chtml });
  return {
    convert(source, display) {
      const node = doc.convert(source, { display, em: 16, ex: 8, containerWidth: 80 * 16 });
      return adaptor.outerHTML(node);
    },
    css() {
      return adaptor.textContent(chtml.styleSheet(doc) as unknown as Parameters<typeof adaptor.textContent>[0]);
    },
    reset() {
      doc.reset();
    },
  };
}

/** Where the stylesheet points the browser for MathJax's web fonts. */
export const MATH_FONT_URL = '/math/fonts';

let stylesheet: string | null = null;
/** The CHTML stylesheet for every glyph (≈240 KB, ≈28 KB gzipped), built once; served at /math/mathjax.css. */
export function mathStylesheet(): string {
  engine ??= makeEngine();
  stylesheet ??= engine.css();
  return stylesheet;
}

/** The wrapper every formula gets; `inner` is trusted HTML (MathJax's output or escaped source). */
function wrap(tex: string, display: boolean, inner: string, ok: boolean, pending = false): string {
  const cls = `math${display ? ' math-display' : ''}${ok ? '' : ' math-error'}${pending ? ' math-pending' : ''} notranslate`;
  const t = escapeHtml(tex);
  const title = ok ? '' : ` title="TeX that could not be typeset"`;
  return `<span class="${cls}" translate="no" role="img" aria-label="${t}" data-tex="${t}"${title}>${inner}</span>`;
}

// ---------- a time budget for pages with many new formulas ----------

/**
 * How long one listing may spend on formulas that are in no cache: waiting
 * for the math thread when there is one (renderWithMath), else typesetting
 * on the loop (and, across listings, at most a quarter of the time). Short,
 * because there the render holds every other request meanwhile.
 * Right after a crawl or import a listing can hold hundreds of them (~4 ms
 * each); past the budget the rest are sent as their source, marked
 * `math-pending`, and the page's script fetches each from /api/math while
 * the background pass fills the cache for the next reader.
 */
let budgetMs = 20;
let deadline = Infinity;
/** Time typesetting within budgeted renders, taken from the shared allowance below. */
let spent = 0;

// Every listing having its own 20 ms is not enough when many are asked for at
// once during an import: together, budgeted renders may typeset for at most a
// quarter of the server's time (a token bucket holding up to 100 ms).
const SHARE = 0.25;
const BURST_MS = 100;
let allowance = BURST_MS;
let refilledAt = performance.now();

/** Sets the listing budget (tests use 0 to make every uncached formula pending). */
export function setMathBudget(ms: number): void {
  budgetMs = ms;
}

/**
 * Runs a render with the typesetting budget in force (renders are
 * synchronous): `ms` of its own (default: a listing's), within the shared allowance.
 */
export function withMathBudget<T>(render: () => T, ms = budgetMs): T {
  const now = performance.now();
  allowance = Math.min(BURST_MS, allowance + (now - refilledAt) * SHARE);
  refilledAt = now;
  const outer = deadline;
  // A listing budget of 0 (tests) leaves every uncached formula pending, on every page.
  const own = budgetMs === 0 ? 0 : ms;
  deadline = Math.min(outer, now + Math.min(own, Math.max(0, allowance)));
  const before = spent;
  try {
    return render();
  } finally {
    deadline = outer;
    allowance -= spent - before;
  }
}

function pendingFormula(tex: string, display: boolean): Typeset {
  return { html: wrap(tex, display, escapeHtml(tex), true, true), ok: true };
}

// ---------- typesetting in another thread ----------

/**
 * Something that typesets formulas away from the request loop: the server's
 * math thread (server/math-worker.ts), which runs at a lower CPU priority.
 * With one installed, pages never run MathJax on the loop: each render asks
 * it for the formulas no cache has and waits for them at most the page's
 * budget (renderWithMath). On an idle machine that is every formula; when
 * the cores are busy (an import, a burst of readers) the thread gets the
 * time that is left, the page goes out with the rest as source, and they
 * are cached for the next reader as they arrive.
 */
export interface BackgroundTypesetter {
  typeset(items: readonly (readonly [string, boolean])[]): Promise<Typeset[]>;
  /** True once it cannot typeset any more: pages then typeset on the loop again. */
  readonly failed: boolean;
}

let installed: BackgroundTypesetter | null = null;
/** The background typesetter, while it works. */
const background = (): BackgroundTypesetter | null => (installed && !installed.failed ? installed : null);
/** Formulas a budgeted render left pending, while renderWithMath collects them. */
let missed: [string, boolean][] | null = null;
/** Formulas asked of the thread and not answered yet, so a formula is asked once. */
const inFlight = new Map<string, Promise<void>>();

/** Asks the thread for these formulas (each at most once at a time); resolves when all are remembered. */
function typesetInBackground(items: readonly (readonly [string, boolean])[], db: Db | undefined, persist: boolean): Promise<void> {
  const bg = background();
  const waits: Promise<void>[] = [];
  const ask: [string, boolean][] = [];
  for (const [tex, display] of items) {
    const key = mathKey(tex, display);
    const pending = inFlight.get(key);
    if (pending) waits.push(pending);
    else if (!memory.has(key) && !ask.some(([t, d]) => t === tex && d === display)) ask.push([tex, display]);
  }
  if (bg && ask.length) {
    const done = bg.typeset(ask).then(
      (results) =>
        results.forEach((t, i) => {
          const key = mathKey(ask[i][0], ask[i][1]);
          remember(key, t);
          if (db && persist && db.sqlite.open) store(db, key, t);
        }),
      // A failed thread leaves these formulas pending; pages show their source and the browser typesets them from /api/math.
      () => {},
    );
    const settled = done.finally(() => ask.forEach(([tex, display]) => inFlight.delete(mathKey(tex, display))));
    for (const [tex, display] of ask) inFlight.set(mathKey(tex, display), settled);
    waits.push(settled);
  }
  return Promise.all(waits).then(() => {});
}

/**
 * Renders a page part whose formulas may be new. Without a background
 * typesetter this is withMathBudget (MathJax on this thread, within the
 * budget). With one, the render runs once to learn which formulas no cache
 * holds, waits at most `ms` for the thread to typeset them, and runs again.
 */
export async function renderWithMath<T>(render: () => T, ms = budgetMs): Promise<T> {
  if (!background()) return withMathBudget(render, ms);
  const outer = missed;
  missed = [];
  let first: T;
  let wanted: [string, boolean][];
  try {
    first = withMathBudget(render, ms);
    wanted = missed;
  } finally {
    missed = outer;
  }
  const own = budgetMs === 0 ? 0 : ms;
  if (!wanted.length || own <= 0) {
    if (wanted.length) void typesetInBackground(wanted, renderDb, true);
    return first;
  }
  let timer: NodeJS.Timeout | undefined;
  const arrived = await Promise.race([
    typesetInBackground(wanted, renderDb, true).then(() => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), own))),
  ]);
  clearTimeout(timer);
  // What came in time is in memory now; the rest stays pending and is cached when it arrives.
  return arrived || wanted.some(([tex, display]) => memory.has(mathKey(tex, display))) ? withMathBudget(render, ms) : first;
}

/** Where formulas typeset for pages are stored: the server's database (set with the typesetter). */
let renderDb: Db | undefined;

/** Installs the background typesetter and the database its formulas are cached in. */
export function useBackgroundTypesetter(t: BackgroundTypesetter | null, db?: Db): void {
  installed = t;
  renderDb = t ? db : undefined;
}

/**
 * One formula, for /api/math: from memory or SQLite, else typeset (in the
 * background thread when there is one) and kept in memory only, since the
 * TeX comes from a client and must not grow the database.
 */
export async function typesetForClient(tex: string, display: boolean, db: Db): Promise<Typeset> {
  const key = mathKey(tex, display);
  // Once the thread has answered, the formula is in memory; if it could not, it is typeset here.
  if (background() && !memory.has(key) && !getMathCached(db, key)) await typesetInBackground([[tex, display]], db, false);
  return typesetCached(tex, display, db, false);
}

/** A paper page has more to show than a listing's item, so it may typeset a little longer. */
export const PAPER_MATH_BUDGET_MS = 30;

/** Whether rendered HTML holds formulas sent as source, to be swapped in by the page's script. */
export function hasPendingMath(html: string): boolean {
  return html.includes('math-pending');
}

/** Typesets one formula with MathJax; never throws. */
export function typeset(tex: string, display: boolean): Typeset {
  if (tex.length > MAX_TEX_LENGTH) return { html: wrap(tex, display, escapeHtml(tex), false), ok: false };
  engine ??= makeEngine();
  try {
    return { html: wrap(tex, display, engine.convert(tex, display), true), ok: true };
  } catch {
    // TeX errors and the occasional JavaScript error from MathJax itself alike.
    // A JavaScript error can leave the document half-way; start a fresh one.
    try {
      engine.reset();
    } catch {
      engine = null;
    }
    return { html: wrap(tex, display, escapeHtml(tex), false), ok: false };
  }
}

/** Cache key: output format (so a format change never serves stale markup), display mode, TeX. */
export function mathKey(tex: string, display: boolean): string {
  return (display ? 'chtml:D:' : 'chtml:I:') + tex;
}

// ---------- prose + math, with the SQLite cache ----------

/** A small in-process layer over the SQLite cache: the hot formulas of a busy page stay in memory. */
const memory = new Map<string, Typeset>();
const MEMORY_MAX = 20_000;

function remember(key: string, t: Typeset): void {
  if (memory.size >= MEMORY_MAX) memory.delete(memory.keys().next().value as string);
  memory.set(key, t);
}

/**
 * A typeset formula, from memory, then SQLite, then MathJax (storing the
 * result in both, or with `persist` false only in memory: /api/math takes any
 * TeX a client sends, which must not grow the database).
 */
export function typesetCached(tex: string, display: boolean, db?: Db, persist = true): Typeset {
  const key = mathKey(tex, display);
  const hit = memory.get(key);
  if (hit) return hit;
  let t = db ? getMathCached(db, key) : null;
  if (!t) {
    const start = performance.now();
    if (deadline !== Infinity && background()) {
      // Budgeted renders leave MathJax to the typesetting thread (see renderWithMath).
      if (missed) missed.push([tex, display]);
      else void typesetInBackground([[tex, display]], db, true);
      return pendingFormula(tex, display);
    }
    if (start > deadline) return pendingFormula(tex, display);
    t = typeset(tex, display);
    if (deadline !== Infinity) spent += performance.now() - start;
    if (db && persist) store(db, key, t);
  }
  remember(key, t);
  return t;
}

/**
 * Typeset formulas not in the database yet. Pages never write it themselves:
 * one transaction per formula cost half a millisecond each, and waiting for
 * the write lock (an import holding it) would stop every reader. A timer
 * writes them in one transaction, and simply tries again later when another
 * process holds the lock or the disk is full.
 */
interface Unsaved {
  formulas: Map<string, Typeset>;
  timer: NodeJS.Timeout | null;
}
/** Per database connection, so a formula is written where it was read from. */
const unsavedByDb = new WeakMap<Db['sqlite'], Unsaved>();
const UNSAVED_MAX = 5000;

function unsavedOf(db: Db): Unsaved {
  let u = unsavedByDb.get(db.sqlite);
  if (!u) unsavedByDb.set(db.sqlite, (u = { formulas: new Map(), timer: null }));
  return u;
}

function store(db: Db, key: string, t: Typeset): void {
  const { formulas } = unsavedOf(db);
  if (formulas.size >= UNSAVED_MAX) formulas.delete(formulas.keys().next().value as string);
  formulas.set(key, t);
  scheduleFlush(db, 250);
}

function scheduleFlush(db: Db, ms: number): void {
  const u = unsavedOf(db);
  if (u.timer) return;
  u.timer = setTimeout(() => {
    u.timer = null;
    // A closed connection (a test, a shutdown) has nowhere to write: drop its formulas.
    if (!db.sqlite.open) return void u.formulas.clear();
    if (!flushUnsaved(db)) scheduleFlush(db, 2000);
  }, ms);
  u.timer.unref();
}

/** Writes every unsaved formula in one transaction; false when that could not happen now. */
function flushUnsaved(db: Db): boolean {
  const { formulas } = unsavedOf(db);
  if (!formulas.size) return true;
  const batch = [...formulas];
  let ok = false;
  try {
    ok = tryWrite(db, () => db.sqlite.transaction(() => batch.forEach(([key, t]) => putMathCached(db, key, t.html, t.ok)))());
  } catch {
    // A full disk: memory keeps the formulas; a later pass tries again.
  }
  if (ok) for (const [key] of batch) formulas.delete(key);
  return ok;
}

/**
 * Text with formulas as safe HTML: prose escaped (or passed to `prose`, which
 * must escape, e.g. a search highlighter), math typeset (cached when a db is given).
 */
export function mathHtml(text: string, db?: Db, prose: (s: string) => string = escapeHtml): string {
  if (!hasMath(text)) return prose(text);
  let html = '';
  for (const seg of splitTeX(text)) {
    html += seg.kind === 'text' ? prose(seg.text) : typesetCached(seg.tex, seg.display, db).html;
  }
  return html;
}

/** Whether a text has any formula at all (skips the splitter's work in the common case). */
export function hasMath(text: string): boolean {
  return /\$|\\\(|\\\[/.test(text);
}

/**
 * One bounded piece of the background pass; `finished` when no row is left to
 * look at, `busy` when another process holds the write lock (the formulas
 * typeset meanwhile wait in memory and the caller backs off).
 */
function fillSlice(
  db: Db,
  limit: number,
  maxChecks: number,
  batchPapers = 5000,
  handOff?: (tex: string, display: boolean) => void,
): { typeset: number; finished: boolean; busy: boolean } {
  if (!flushUnsaved(db)) return { typeset: 0, finished: false, busy: true };
  let done = 0;
  let checks = 0;
  let finished = true;
  for (const text of distinctTexMissing(db, batchPapers)) {
    if (!hasMath(text)) continue;
    for (const seg of splitTeX(text)) {
      if (seg.kind !== 'math') continue;
      checks++;
      const key = mathKey(seg.tex, seg.display);
      if (memory.has(key) || getMathCached(db, key)) continue;
      done++;
      if (handOff) {
        handOff(seg.tex, seg.display);
        continue;
      }
      const t = typeset(seg.tex, seg.display);
      unsavedOf(db).formulas.set(key, t);
      remember(key, t);
    }
    // Checked between texts, so the watermark never skips a formula.
    if (done >= limit || checks >= maxChecks) {
      finished = false;
      break;
    }
  }
  const busy = !flushUnsaved(db);
  return { typeset: done, finished: finished && !busy, busy };
}

/**
 * The background pass: typesets formulas of papers changed since the last
 * pass (in this process) that are not cached yet, up to `limit` formulas; run
 * after an import or crawl. Returns how many formulas it typeset. Readers
 * never wait for it: a page typesets anything missing on first view.
 */
export function fillMathCache(db: Db, opts: { limit?: number } = {}): number {
  return fillSlice(db, opts.limit ?? Infinity, Infinity).typeset;
}

/**
 * Runs the pass in short slices on the event loop (at most `slice` new
 * formulas or 25× as many cache lookups each), so a running server keeps
 * answering. It yields to readers: when other work (requests) kept the loop
 * busy for more than a fifth of the time since its last slice, it waits
 * `backoffMs` before looking again, so under load it nearly stops and pages
 * typeset what they need on first view.
 */
export function fillMathCacheInBackground(db: Db, opts: { slice?: number; backoffMs?: number; log?: (s: string) => void } = {}): Promise<number> {
  // Two new formulas (~8 ms) at a time: a slice is a pause for every reader.
  const slice = opts.slice ?? 2;
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
      let r: { typeset: number; finished: boolean; busy: boolean };
      // With a typesetting thread, a slice only finds formulas and hands them over (more at once: the thread runs them).
      const handed: [string, boolean][] = [];
      try {
        r = background()
          ? fillSlice(db, slice * 10, slice * 250, 200, (tex, display) => handed.push([tex, display]))
          : fillSlice(db, slice, slice * 25, 200);
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
      if (handed.length) void typesetInBackground(handed, db, true).then(next);
      else next();
    };
    later(0);
  });
}
