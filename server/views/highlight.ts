// The one place pages get search highlighting from: the search engine's own
// prose marker (search/highlight.ts: folding and stemming like the index).
// Prose segments only: math is typeset separately and never marked.
import { markProse as markWithMatcher, termMatcher } from '../../search/highlight.ts';

/** A prose marker for these query terms: HTML-escaped text with <mark> around matched words. */
export function proseMarker(terms: readonly string[]): (text: string) => string {
  const matcher = termMatcher(terms);
  return (text) => markWithMatcher(text, matcher);
}
