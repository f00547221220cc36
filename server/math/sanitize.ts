// What typeset TeX may become, whatever an author (or an attacker) writes.
// Two layers, both allow-lists:
//  1. on MathJax's internal MathML tree, before output: attributes that link,
//     load, name or style (href, src, class, id, style, data-*) are removed;
//     every dimension is clamped (widths and spacing to ±50em, heights, depths
//     and shifts to ±10em each, so a box is at most 20em tall; rule thickness
//     to 1em, sizes to 3em); colours must
//     be a name or a hex/rgb value, never free CSS;
//  2. on the CHTML it produced: only `mjx-*` elements, no attribute that loads
//     or runs anything, no `url(` or fixed positioning in a style. A formula that
//     fails this check is shown as source instead (typeset.ts).
import type { MmlNode } from 'mathjax-full/js/core/MmlTree/MmlNode.js';

/** em per unit (1em = 10pt at TeX's scale; MathJax treats px as 1/16 em). */
const EM_PER: Record<string, number> = { em: 1, ex: 0.431, px: 1 / 16, pt: 0.1, pc: 1.2, in: 7.2, cm: 2.835, mm: 0.2835, mu: 1 / 18 };

/** Attribute -> largest magnitude in em. */
const LENGTH_LIMITS: Record<string, number> = {
  width: 50,
  lspace: 50,
  rspace: 50,
  minsize: 20,
  // Height and depth add up (a rule's box is both): each at most 10em keeps a box within 20em.
  height: 10,
  depth: 10,
  voffset: 10,
  linethickness: 1,
  mathsize: 3,
  fontsize: 3,
};
/** Space-separated lists of lengths (tables). */
const LIST_LIMITS: Record<string, number> = { columnspacing: 50, rowspacing: 20, framespacing: 20 };
const COLOR_ATTRIBUTES = ['mathcolor', 'mathbackground', 'color', 'background'];
const REMOVED = new Set(['href', 'src', 'altimg', 'class', 'id', 'style', 'xlink:href', 'actiontype', 'other']);
/** Multiples of the content's own size (mpadded's `2width`, `150%`) are capped too. */
const PSEUDO_UNITS = new Set(['width', 'height', 'depth', 'lspace', 'voffset']);
const MAX_MULTIPLE = 10;

/** A length attribute within ±`max` em: as written when inside, else at the bound; null when unreadable (the attribute is dropped). */
export function clampLength(value: string, max: number): string | null {
  const v = value.trim();
  // Named spaces (thinmathspace, negativemediummathspace…) and keywords (thin, medium, thick, infinity) are bounded.
  if (/^[a-z]+$/i.test(v)) return v;
  const m = /^([+-]?)(\d*\.?\d+(?:e[+-]?\d+)?)\s*([a-z%]*)$/i.exec(v);
  if (!m) return null;
  const [, sign, digits, rawUnit] = m;
  const n = Number(digits);
  const unit = rawUnit.toLowerCase();
  if (!Number.isFinite(n)) return null;
  const perUnit = EM_PER[unit];
  if (perUnit !== undefined) return n * perUnit <= max ? v : `${sign}${max}em`;
  if (unit === '') return n <= MAX_MULTIPLE ? v : `${sign}${MAX_MULTIPLE}`;
  if (unit === '%') return n <= MAX_MULTIPLE * 100 ? v : `${sign}${MAX_MULTIPLE * 100}%`;
  if (PSEUDO_UNITS.has(unit)) return n <= MAX_MULTIPLE ? v : `${sign}${MAX_MULTIPLE}${unit}`;
  return null;
}

/** A colour that cannot carry CSS: a name, #hex, or rgb()/rgba() of numbers. */
export function safeColor(value: string): boolean {
  const v = value.trim();
  return /^[a-z]{1,30}$/i.test(v) || /^#[0-9a-f]{3,8}$/i.test(v) || /^rgba?\(\s*[\d.%\s,]+\)$/i.test(v);
}

/** Applies layer 1 to one node's explicit attributes. */
function sanitizeNode(node: MmlNode): void {
  const attrs = node.attributes;
  for (const name of attrs.getExplicitNames()) {
    const value = attrs.getExplicit(name);
    const drop = () => delete (attrs.getAllAttributes() as Record<string, unknown>)[name];
    if (REMOVED.has(name) || name.startsWith('data-') || name.startsWith('on')) {
      drop();
      continue;
    }
    if (typeof value !== 'string') continue;
    if (name in LENGTH_LIMITS) {
      const clamped = clampLength(value, LENGTH_LIMITS[name]);
      if (clamped === null) drop();
      else if (clamped !== value) attrs.set(name, clamped);
    } else if (name in LIST_LIMITS) {
      const parts = value.trim().split(/\s+/).map((p) => clampLength(p, LIST_LIMITS[name]));
      if (parts.some((p) => p === null)) drop();
      else attrs.set(name, parts.join(' '));
    } else if (COLOR_ATTRIBUTES.includes(name) && !safeColor(value)) {
      drop();
    }
  }
}

/** Layer 1: a TeX input post-filter (`tex.postFilters.add(sanitizeMathTree, 10)`). */
export function sanitizeMathTree({ data }: { data: { root: MmlNode } }): void {
  data.root.walkTree((node) => sanitizeNode(node as MmlNode));
}

const ALLOWED_TAG = /^<\/?mjx-[a-z0-9-]+[\s>/]/i;
const FORBIDDEN_ATTRIBUTE = /\s(?:href|src|srcset|xlink:href|action|formaction|on[a-z]+|id|data-[a-z0-9-]*)\s*=/i;
const FORBIDDEN_STYLE = /url\(|expression\(|@import|position\s*:\s*(?:fixed|sticky)|javascript:/i;

/** Layer 2: true when CHTML output holds only mjx-* elements and nothing that loads, runs or escapes its box. */
export function chtmlIsSafe(html: string): boolean {
  for (const m of html.matchAll(/<[^>]*>/g)) {
    const tag = m[0];
    if (!ALLOWED_TAG.test(tag)) return false;
    if (FORBIDDEN_ATTRIBUTE.test(tag)) return false;
    const style = /\sstyle="([^"]*)"/i.exec(tag);
    if (style && FORBIDDEN_STYLE.test(style[1])) return false;
  }
  return true;
}
