// Text out of arXiv's HTML version of a paper (LaTeXML output), read with a
// real HTML parser (parse5): the section structure kept as headings, every
// formula turned back into its TeX from the MathML `alttext` LaTeXML writes,
// page chrome (navigation, headers, footers, scripts) left out. LaTeXML's
// failure pages and arXiv's "no HTML" stub are recognised as "no text here".
import { parse } from 'parse5';
import type { FullTextSection } from '../../db/fulltext.ts';

/** What parse5 gives: elements, text and comments (only what we read). */
interface Node {
  nodeName: string;
  tagName?: string;
  value?: string;
  attrs?: { name: string; value: string }[];
  childNodes?: Node[];
  content?: Node;
}

export type HtmlText = { ok: true; text: string; sections: FullTextSection[] } | { ok: false; reason: string };

const SKIP = new Set(['script', 'style', 'noscript', 'template', 'nav', 'header', 'footer', 'button', 'svg', 'head', 'annotation', 'annotation-xml']);
/** Classes of LaTeXML and arXiv page chrome, not the paper. */
const SKIP_CLASS = /\b(?:ltx_page_header|ltx_page_footer|ltx_page_logo|ltx_role_footnote_mark|ltx_tag_note|html-header|html-footer|ltx_TOC|package-alerts|section-nav)\b/;
const BLOCK = new Set([
  'p', 'div', 'section', 'article', 'li', 'ul', 'ol', 'table', 'tr', 'figure', 'figcaption', 'blockquote', 'pre', 'br', 'dl', 'dt', 'dd', 'caption',
]);
const HEADING = /^h([1-6])$/;

/** Signs that the page is a failure notice, not a paper (LaTeXML's fatal error, arXiv's missing-HTML stub). */
const FAILURE = [/Conversion to HTML had a Fatal error/i, /\bNo HTML (?:is )?available\b/i, /\bHTML is not available for the source\b/i];

function attr(n: Node, name: string): string | null {
  return n.attrs?.find((a) => a.name === name)?.value ?? null;
}

function tag(n: Node): string {
  return (n.tagName ?? '').toLowerCase();
}

/** Every whitespace run as one space; blank lines collapsed. */
function tidy(s: string): string {
  return s
    .split('\n')
    .map((l) => l.replace(/[ \t\u00a0]+/g, ' ').trim())
    .filter((l, i, all) => l || (i > 0 && all[i - 1]))
    .join('\n')
    .trim();
}

function find(n: Node, test: (n: Node) => boolean): Node | null {
  if (test(n)) return n;
  for (const c of n.childNodes ?? []) {
    const hit = find(c, test);
    if (hit) return hit;
  }
  return null;
}

function hasClass(n: Node, cls: string): boolean {
  return (attr(n, 'class') ?? '').split(/\s+/).includes(cls);
}

/** The TeX of a `<math>` element: its alttext, else the TeX annotation, else its text. */
function mathTex(n: Node): string {
  const alt = attr(n, 'alttext');
  if (alt != null) return alt.trim();
  const ann = find(n, (x) => tag(x) === 'annotation' && (attr(x, 'encoding') ?? '').includes('tex'));
  if (ann) return plain(ann).trim();
  return plain(n).trim();
}

function plain(n: Node): string {
  if (n.nodeName === '#text') return n.value ?? '';
  return (n.childNodes ?? []).map(plain).join('');
}

/**
 * Reads LaTeXML HTML into text with formulas as `$TeX$` (`$$TeX$$` for
 * display math) and sections by heading. A failure page, a page that is not
 * a LaTeXML document, or one without text is `{ok: false}` with the reason.
 */
export function htmlFullText(html: string): HtmlText {
  const doc = parse(html) as unknown as Node;
  const root =
    find(doc, (n) => hasClass(n, 'ltx_document')) ?? find(doc, (n) => hasClass(n, 'ltx_page_main')) ?? null;
  // A failure notice names itself near the top and holds no paragraph of a paper.
  const top = plain(find(doc, (n) => tag(n) === 'body') ?? doc).slice(0, 4000);
  if (FAILURE.some((re) => re.test(top)) && !(root && find(root, (n) => hasClass(n, 'ltx_para')))) {
    return { ok: false, reason: 'arXiv has no HTML version of this paper (conversion failed)' };
  }
  if (!root) return { ok: false, reason: 'the HTML page is not a LaTeXML paper' };

  const sections: FullTextSection[] = [];
  let current: FullTextSection = { title: '', level: 0, text: '' };
  const flush = () => {
    current.text = tidy(current.text);
    if (current.text || current.title) sections.push(current);
  };

  const walk = (n: Node): void => {
    if (n.nodeName === '#text') {
      current.text += n.value ?? '';
      return;
    }
    if (n.nodeName === '#comment') return;
    const t = tag(n);
    if (SKIP.has(t) || SKIP_CLASS.test(attr(n, 'class') ?? '')) return;
    if (t === 'math') {
      const tex = mathTex(n);
      if (tex) current.text += attr(n, 'display') === 'block' ? `\n$$${tex}$$\n` : `$${tex}$`;
      return;
    }
    const h = HEADING.exec(t);
    if (h) {
      flush();
      // A heading may hold math too; it is read through the same rules.
      current = { title: '', level: 0, text: '' };
      for (const c of n.childNodes ?? []) walk(c);
      current = { title: tidy(current.text).replace(/\n/g, ' '), level: Number(h[1]), text: '' };
      return;
    }
    const block = BLOCK.has(t);
    if (block) current.text += '\n';
    for (const c of n.childNodes ?? []) walk(c);
    if (t === 'td' || t === 'th') current.text += ' ';
    if (block) current.text += '\n';
  };
  walk(root);
  flush();

  const text = sections
    .map((s) => (s.title ? `${'#'.repeat(Math.min(6, Math.max(1, s.level)))} ${s.title}\n\n${s.text}` : s.text))
    .filter(Boolean)
    .join('\n\n')
    .trim();
  if (!sections.some((s) => s.text)) return { ok: false, reason: 'the HTML version holds no text' };
  return { ok: true, text, sections };
}
