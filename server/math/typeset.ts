// MathJax on the server: one TeX formula becomes CHTML markup wrapped in a
// span that browser translators skip. CHTML over SVG by measurement (~6x fewer
// bytes per formula, ~2x faster; BENCHMARKS.md "Pages"). The browser never
// loads MathJax, only the stylesheet and fonts (server/routes/math-assets.ts).
//
// Every formula comes out as
//   <span class="math notranslate" translate="no" role="img" aria-label="TeX" data-tex="TeX"><mjx-container …></span>
// A formula MathJax rejects (a TeX error, or one of the rare JavaScript errors
// real arXiv TeX provokes) shows its escaped source with class `math-error`;
// an unknown macro (an author's own \eps) shows as its name in red and the
// rest of the formula typesets (the noundefined package).
//
// Safety: the TeX packages that can emit links, classes, styles, ids or raw
// HTML (html: \href \class \style \cssId; unicode; action; require/autoload)
// are not loaded, macro definitions (newcommand) are off so one abstract cannot
// redefine another's macros, MathJax's safe extension allows no URL, class,
// id or style, and sanitize.ts clamps every dimension and checks the output.
import { mathjax } from 'mathjax-full/js/mathjax.js';
import { TeX } from 'mathjax-full/js/input/tex.js';
import { CHTML } from 'mathjax-full/js/output/chtml.js';
import { liteAdaptor } from 'mathjax-full/js/adaptors/liteAdaptor.js';
import { RegisterHTMLHandler } from 'mathjax-full/js/handlers/html.js';
import { SafeHandler } from 'mathjax-full/js/ui/safe/SafeHandler.js';
import { AllPackages } from 'mathjax-full/js/input/tex/AllPackages.js';
import { escapeHtml } from '../../lib/html.ts';
import { chtmlIsSafe, sanitizeMathTree } from './sanitize.ts';

/** TeX packages that could emit links, styles, classes, raw HTML, or change state across formulas. */
const UNSAFE_PACKAGES = new Set([
  'html', 'unicode', 'action', 'require', 'autoload', 'newcommand', 'configmacros', 'noerrors', 'bussproofs',
]);
export const TEX_PACKAGES: readonly string[] = AllPackages.filter((p) => !UNSAFE_PACKAGES.has(p));

/** Formulas longer than this are shown as source: nobody writes them on purpose in an abstract. */
export const MAX_TEX_LENGTH = 2000;

/** Where the stylesheet points the browser for MathJax's web fonts. */
export const MATH_FONT_URL = '/math/fonts';

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
  tex.postFilters.add(sanitizeMathTree, 10);
  const chtml = new CHTML({ fontURL: MATH_FONT_URL, adaptiveCSS: false });
  const doc = mathjax.document('', {
    InputJax: tex,
    OutputJax: chtml,
    safeOptions: { allow: { URLs: 'none', classes: 'none', cssIDs: 'none', styles: 'none' } },
  });
  return {
    convert(source, display) {
      const node = doc.convert(source, { display, em: 16, ex: 8, containerWidth: 80 * 16 });
      const html = adaptor.outerHTML(node);
      if (!chtmlIsSafe(html)) throw new Error('typeset output outside the allow-list');
      return html;
    },
    css() {
      return adaptor.textContent(chtml.styleSheet(doc) as unknown as Parameters<typeof adaptor.textContent>[0]);
    },
    reset() {
      doc.reset();
    },
  };
}

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

/** A formula sent as its source, for the page's script to fill from /api/math. */
export function pendingFormula(tex: string, display: boolean): string {
  return wrap(tex, display, escapeHtml(tex), true, true);
}

/** Typesets one formula with MathJax in this thread (~4 ms when new); never throws. */
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

/** Whether a text has any formula at all (skips the splitter's work in the common case). */
export function hasMath(text: string): boolean {
  return /\$|\\\(|\\\[/.test(text);
}
