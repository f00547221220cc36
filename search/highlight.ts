// Marks the words a query matched, for titles and abstracts. Output is
// HTML-escaped text with <mark> around matched words; formulas ($…$, $$…$$,
// \(…\), \[…\]) pass through verbatim (escaped, never marked) so a
// typesetter downstream still sees them whole. Pure functions, no I/O.
import { isIndexable, stem, words } from './tokenize.ts';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

export interface Segment {
  math: boolean;
  text: string;
}

/**
 * Splits text into prose and formula segments. An opening delimiter without
 * its closing one is prose (arXiv abstracts do contain lone dollar signs).
 */
export function splitMath(text: string): Segment[] {
  const out: Segment[] = [];
  let prose = '';
  let i = 0;
  const pushProse = () => {
    if (prose) out.push({ math: false, text: prose });
    prose = '';
  };
  while (i < text.length) {
    const ch = text[i];
    let open = '';
    let close = '';
    if (ch === '\\' && (text[i + 1] === '(' || text[i + 1] === '[')) {
      open = text.slice(i, i + 2);
      close = text[i + 1] === '(' ? '\\)' : '\\]';
    } else if (ch === '\\' && text[i + 1] === '$') {
      prose += '\\$';
      i += 2;
      continue;
    } else if (ch === '$') {
      open = text[i + 1] === '$' ? '$$' : '$';
      close = open;
    }
    if (open) {
      const end = findClose(text, close, i + open.length);
      if (end > i + open.length || (end >= 0 && open !== '$')) {
        pushProse();
        out.push({ math: true, text: text.slice(i, end + close.length) });
        i = end + close.length;
        continue;
      }
    }
    prose += ch;
    i++;
  }
  pushProse();
  return out;
}

function findClose(text: string, close: string, from: number): number {
  let j = from;
  while (j < text.length) {
    const k = text.indexOf(close, j);
    if (k < 0) return -1;
    // `\$` inside a formula is a literal dollar, not the end.
    if (close === '$' || close === '$$') {
      if (text[k - 1] === '\\') { j = k + 1; continue; }
    }
    return k;
  }
  return -1;
}

/** Decides whether a word of the text is one the query matched. */
export interface TermMatcher {
  matches(word: string): boolean;
}

/**
 * A matcher for the reader's query words: a text word matches when it folds
 * and stems to the same term, so "quantized" marks "quantization".
 */
export function termMatcher(queryWords: readonly string[]): TermMatcher {
  const exact = new Set<string>();
  const stems = new Set<string>();
  for (const q of queryWords) {
    for (const w of words(q)) {
      exact.add(w);
      if (isIndexable(w)) stems.add(stem(w));
    }
  }
  return {
    matches(word: string): boolean {
      for (const w of words(word)) {
        if (exact.has(w) || (isIndexable(w) && stems.has(stem(w)))) return true;
      }
      return false;
    },
  };
}

// A run of word characters in the original text (letters with their
// combining marks, digits, inner apostrophes, dotted numbers and ids).
const WORD_RUN = /\d+(?:\.\d+)+|[\p{L}\p{M}\p{N}]+(?:['’][\p{L}\p{M}]+)*/gu;

/** Escapes a prose segment (no formulas in it) and marks matched words. */
export function markProse(text: string, matcher: TermMatcher): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(WORD_RUN)) {
    const start = m.index ?? 0;
    out += escapeHtml(text.slice(last, start));
    const run = m[0];
    out += matcher.matches(run) ? `<mark>${escapeHtml(run)}</mark>` : escapeHtml(run);
    last = start + run.length;
  }
  return out + escapeHtml(text.slice(last));
}

/**
 * Escaped HTML of `text` with the query's words marked, formulas untouched.
 * `queryWords` are what the reader typed (any form); matching folds and stems.
 */
export function highlight(text: string, queryWords: readonly string[] | TermMatcher): string {
  const matcher = Array.isArray(queryWords) ? termMatcher(queryWords) : (queryWords as TermMatcher);
  return splitMath(text)
    .map((s) => (s.math ? escapeHtml(s.text) : markProse(s.text, matcher)))
    .join('');
}

/** Whether any prose word of the text matches (to decide if a highlight is worth sending). */
export function hasMatch(text: string, matcher: TermMatcher): boolean {
  for (const s of splitMath(text)) {
    if (s.math) continue;
    for (const m of s.text.matchAll(WORD_RUN)) if (matcher.matches(m[0])) return true;
  }
  return false;
}

