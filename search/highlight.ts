// Marks the words a query matched, for titles and abstracts. Output is
// HTML-escaped text with <mark> around matched words; formulas ($…$, $$…$$,
// \(…\), \[…\]) pass through verbatim (escaped, never marked) so a
// typesetter downstream still sees them whole. Pure functions, no I/O.
import { isIndexable, stem, words } from './tokenize.ts';
import { escapeHtml } from '../lib/html.ts';
import { splitTeX } from '../lib/tex.ts';

/** A verbatim span of a text, prose or a formula. */
export interface Span {
  math: boolean;
  /** The exact span of the input (formulas with their delimiters). */
  text: string;
}

/** Prose and formula spans of `text`, verbatim, as lib/tex.ts splits them. */
export function splitMath(text: string): Span[] {
  return splitTeX(text).map((seg) => ({ math: seg.kind === 'math', text: seg.source }));
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
  const one = (w: string) => exact.has(w) || (isIndexable(w) && stems.has(stem(w)));
  // Ten abstracts repeat their words; each distinct one is decided once.
  const decided = new Map<string, boolean>();
  const decide = (word: string): boolean => {
    // Plain ASCII words (most of arXiv) fold by lower-casing; the full fold
    // (TeX accents, Unicode marks) is for the rest.
    if (PLAIN.test(word)) return one(word.toLowerCase());
    for (const w of words(word)) if (one(w)) return true;
    return false;
  };
  return {
    matches(word: string): boolean {
      let yes = decided.get(word);
      if (yes === undefined) decided.set(word, (yes = decide(word)));
      return yes;
    },
  };
}

const PLAIN = /^[A-Za-z0-9]+$/;

// A run of word characters in the original text (letters with their
// combining marks, digits, inner apostrophes, dotted numbers and ids).
const WORD_RUN = /\d+(?:\.\d+)+|[\p{L}\p{M}\p{N}]+(?:['’][\p{L}\p{M}]+)*/gu;

/** Escapes a prose segment (no formulas in it) and marks matched words. */
export function markProse(text: string, matcher: TermMatcher): string {
  // Unmatched words stay inside the pending slice, so the escaping runs once
  // per mark rather than once per word.
  let out = '';
  let last = 0;
  for (const m of text.matchAll(WORD_RUN)) {
    const run = m[0];
    if (!matcher.matches(run)) continue;
    const start = m.index ?? 0;
    out += `${escapeHtml(text.slice(last, start))}<mark>${escapeHtml(run)}</mark>`;
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
