// An answer's Markdown as safe HTML. The model writes Markdown with TeX; a
// Markdown parser would eat TeX (`_` as emphasis, `\\` and `\(` as escapes),
// so the formulas are taken out first (lib/tex.ts finds them, the same
// splitter every page uses; code spans and blocks are left alone), the rest
// goes through markdown-it, and the formulas come back typeset by the page's
// MathContext (server MathJax, cached, `translate="no"` like every formula).
//
// Nothing the model writes becomes markup of its own: markdown-it runs with
// `html: false` (tags are shown as text), images are off, and a link must be
// http(s) or mailto, else it stays text.
import MarkdownIt from 'markdown-it';
import { randomBytes } from 'node:crypto';
import { splitTeX } from '../../lib/tex.ts';
import type { MathContext } from '../math/service.ts';

const md = new MarkdownIt('default', { html: false, linkify: false, typographer: false });
md.disable(['image']);
md.validateLink = (url: string) => /^(https?:\/\/|mailto:)/i.test(url.trim());
const defaultLinkOpen = md.renderer.rules.link_open ?? ((tokens, i, options, _env, self) => self.renderToken(tokens, i, options));
md.renderer.rules.link_open = (tokens, i, options, env, self) => {
  tokens[i].attrSet('rel', 'nofollow noopener noreferrer');
  return defaultLinkOpen(tokens, i, options, env, self);
};

/** Code (fenced blocks and inline spans) is not searched for formulas. */
const CODE = /(```[\s\S]*?(?:```|$)|~~~[\s\S]*?(?:~~~|$)|`[^`\n]*`)/g;

export interface Extracted {
  markdown: string;
  formulas: { tex: string; display: boolean }[];
  /** The placeholder of formula i is `${marker}${i}z`. */
  marker: string;
}

/** Replaces every formula outside code by a placeholder Markdown leaves alone. */
export function extractMath(source: string): Extracted {
  const marker = `mathph${randomBytes(6).toString('hex')}n`;
  const formulas: Extracted['formulas'] = [];
  const parts = source.split(CODE);
  const out = parts.map((part, i) => {
    if (i % 2 === 1) return part; // a code span or block
    let s = '';
    for (const seg of splitTeX(part)) {
      if (seg.kind === 'text') s += seg.source;
      else {
        formulas.push({ tex: seg.tex, display: seg.display });
        const ph = `${marker}${formulas.length - 1}z`;
        s += seg.display ? `\n\n${ph}\n\n` : ph;
      }
    }
    return s;
  });
  return { markdown: out.join(''), formulas, marker };
}

/** The answer as HTML: Markdown rendered, formulas typeset through `m`. */
export function renderAnswer(markdown: string, m: MathContext): string {
  const { markdown: body, formulas, marker } = extractMath(markdown);
  const html = md.render(body);
  return html
    .replace(new RegExp(`<p>${marker}(\\d+)z</p>`, 'g'), (_all, n: string) => {
      const f = formulas[Number(n)];
      return f ? `<div class="math-block">${m.formula(f.tex, f.display)}</div>` : '';
    })
    .replace(new RegExp(`${marker}(\\d+)z`, 'g'), (_all, n: string) => {
      const f = formulas[Number(n)];
      return f ? m.formula(f.tex, f.display) : '';
    });
}
