// Text-mode TeX as readers see it: the accents, special letters, quotes,
// dashes and font commands that arXiv titles, author lists and abstracts
// carry outside math (`Schr\"odinger`, `Ren{\'e}`, `compute\mbox{-}capability`,
// ``quoted''), turned into Unicode. Only prose goes through here: formulas are
// left to the typesetter (callers split with lib/tex.ts first, or use
// plainText, which does). Pure.
import { splitTeX } from './tex.ts';

/** Accent command -> the combining mark it puts on the next letter. */
const ACCENTS: Record<string, string> = {
  "'": '\u0301', '`': '\u0300', '^': '\u0302', '"': '\u0308', '~': '\u0303', '=': '\u0304', '.': '\u0307',
  u: '\u0306', v: '\u030C', H: '\u030B', r: '\u030A', c: '\u0327', k: '\u0328', d: '\u0323', b: '\u0331',
};

/** Letter commands (`\ss`, `{\o}`, `\L`…). */
const LETTERS: Record<string, string> = {
  ss: 'ß', o: 'ø', O: 'Ø', ae: 'æ', AE: 'Æ', oe: 'œ', OE: 'Œ', aa: 'å', AA: 'Å', l: 'ł', L: 'Ł', i: 'ı', j: 'ȷ',
  dh: 'ð', DH: 'Ð', th: 'þ', TH: 'Þ', ng: 'ŋ', NG: 'Ŋ', dj: 'đ', DJ: 'Đ',
};

/** Symbols written as commands. */
const SYMBOLS: Record<string, string> = {
  '&': '&', '%': '%', '#': '#', _: '_', $: '$', ' ': ' ', ',': '\u2009', '@': '',
  textendash: '–', textemdash: '—', textquoteleft: '‘', textquoteright: '’', textquotedblleft: '“', textquotedblright: '”',
  ldots: '…', dots: '…', textellipsis: '…', S: '§', P: '¶', copyright: '©', textregistered: '®', texttrademark: '™',
  pounds: '£', euro: '€', textdegree: '°', textbullet: '•', dag: '†', ddag: '‡',
};

/** Commands whose braced argument is shown as it is (fonts, boxes, emphasis). */
const WRAPPERS = new Set([
  'mbox', 'hbox', 'text', 'emph', 'textit', 'textbf', 'textrm', 'textsf', 'texttt', 'textsc', 'textsl', 'textup', 'textnormal',
  'textmd', 'underline', 'uline', 'url', 'mathrm',
]);

const LETTER_CMDS = Object.keys(LETTERS).sort((a, b) => b.length - a.length).join('|');
/** The letter an accent applies to: a letter, or the dotless \i / \j. */
const TARGET = '([A-Za-z]|\\\\[ij](?![A-Za-z])\\s?)';
const SYMBOL_ACCENT = new RegExp(`\\\\(['\`^"~=.])\\s*(?:\\{\\s*${TARGET}\\s*\\}|${TARGET})`, 'g');
const LETTER_ACCENT = new RegExp(`\\\\([uvHrckdb])(?:\\s*\\{\\s*${TARGET}\\s*\\}|\\s+${TARGET})`, 'g');
const LETTER = new RegExp(`\\\\(${LETTER_CMDS})(?![A-Za-z])(?:\\{\\}|\\s(?=[A-Za-z]))?`, 'g');

/** Stand-ins for escaped braces (private-use characters no text carries). */
const OPEN = '\uE000';
const CLOSE = '\uE001';

function accented(cmd: string, target: string): string {
  // \i and \j are the dotless letters the accent sits on; Unicode composes on i and j.
  const t = target.trim();
  const letter = t === '\\i' ? 'i' : t === '\\j' ? 'j' : t;
  return (letter + ACCENTS[cmd]).normalize('NFC');
}

/**
 * Prose with text-mode TeX turned into Unicode. Unknown commands are kept as
 * written; braces that only grouped are dropped. Never throws; each step is a
 * single linear pass (bounded nesting for font commands).
 */
export function texToUnicode(text: string): string {
  if (!/[\\{}~`']|--/.test(text)) return text;
  // Escaped braces are text, not grouping: kept aside until the grouping braces are gone.
  let s = text
    .replace(/\\\{/g, OPEN)
    .replace(/\\\}/g, CLOSE)
    .replace(SYMBOL_ACCENT, (_, cmd: string, a?: string, b?: string) => accented(cmd, a ?? b ?? ''))
    .replace(LETTER_ACCENT, (_, cmd: string, a?: string, b?: string) => accented(cmd, a ?? b ?? ''))
    .replace(LETTER, (_, cmd: string) => LETTERS[cmd]);
  // Font and box commands: \emph{x} -> x; the innermost first, a few levels deep.
  for (let round = 0; round < 4; round++) {
    const before = s;
    s = s.replace(/\\([A-Za-z]+)\s*\{([^{}]*)\}/g, (whole, cmd: string, arg: string) => (WRAPPERS.has(cmd) ? arg : whole));
    s = s.replace(/\{\\(?:em|it|bf|rm|sf|tt|sc|sl|upshape)\s+([^{}]*)\}/g, '$1');
    if (s === before) break;
  }
  s = s.replace(/\\([A-Za-z]+|[&%#_$ ,@])(?![A-Za-z])(?:\{\})?/g, (whole, cmd: string) => SYMBOLS[cmd] ?? whole);
  s = s.replace(/``/g, '“').replace(/''/g, '”').replace(/---/g, '—').replace(/--/g, '–');
  // A tie is a no-break space, except in a path or URL (`/~user`).
  s = s.replace(/(^|[^\\/])~/g, '$1\u00a0');
  // Braces that only grouped ({B}ayesian, {é}) go; an unknown command keeps its argument's braces.
  s = s.replace(/(?<!\\[A-Za-z]*)\{([^{}\\]*)\}/g, '$1').replace(/(?<!\\[A-Za-z]*)\{([^{}\\]*)\}/g, '$1');
  return s.replaceAll(OPEN, '{').replaceAll(CLOSE, '}');
}

/**
 * A title or abstract as plain text for places that cannot typeset (a page's
 * <title>, meta tags, feeds): prose through texToUnicode, formulas kept as
 * their TeX source with their delimiters.
 */
export function plainText(text: string): string {
  if (!/[\\{}~`'$]|--/.test(text)) return text;
  return splitTeX(text)
    .map((seg) => (seg.kind === 'text' ? texToUnicode(seg.text) : seg.source))
    .join('');
}

/**
 * TeX accent commands (\'e, \"{o}, \c{c}, \v s) with the letter they sit on:
 * search drops the command and keeps the letter, so `K\"ahler` is one word,
 * "kahler" (search/tokenize.ts; FTS5's text through db/client.ts'
 * tex_accents()). The spaces before and after the brace are one run unless a
 * brace splits them (`\s*\{?\s*` backtracks quadratically over a long run of
 * spaces).
 */
export const TEX_ACCENT = /\\(?:['"`^~=.]|[uvHcdbkrt](?![a-zA-Z]))\s*(?:\{\s*)?([a-zA-Z])\}?/g;

/**
 * The text with each TeX accent command dropped and its letter kept
 * (`Schr\"{o}dinger` -> `Schrodinger`); other TeX is left as it is. FTS5's
 * index holds text as this returns it: a change here needs a migration
 * that rebuilds `papers_fts` (its triggers delete a paper's words by
 * folding the old text again).
 */
export function dropTexAccents(text: string): string {
  return text.includes('\\') ? text.replace(TEX_ACCENT, '$1') : text;
}

/** A TeX command name (`\mathcal`, `\times`, `\emph*`) or an escaped character (`\%`, `\{`). */
export const TEX_COMMAND = /\\[a-zA-Z]+\*?|\\./g;

/**
 * The text as search reads it: TeX accents dropped (dropTexAccents), then
 * every other TeX command name removed, so `1.5$\times$ faster` holds no
 * word "times" and `$M_\star$` no word "star". Both engines index text as
 * this returns it (search/tokenize.ts, and FTS5 through db/client.ts'
 * tex_plain()): a change here needs a migration that rebuilds `papers_fts`.
 */
export function dropTexMarkup(text: string): string {
  return text.includes('\\') ? dropTexAccents(text).replace(TEX_COMMAND, ' ') : text;
}
