// Exact evaluation of a query tree against one paper's words. A word matches
// any word with the same Porter stem ("quantized" finds "quantization"); a
// phrase matches its words exactly as written (after folding), next to each
// other, as in FTS5. The in-process index finds a phrase's papers as "all
// words present" and confirms the order with compileMatch over its stored
// word sequences (search/sequences.ts); docMatches is the reference
// semantics tests use.
import type { Paper } from '../db/paper.ts';
import type { Field, QueryNode } from './query.ts';
import { isSequenced, sequenceWords, stem, termOf , terms } from './tokenize.ts';

/** A paper's words per field as its sequence holds them (index terms and stop words), in order. */
export type DocTerms = Record<Field, string[]>;

export function docTerms(p: Pick<Paper, 'title' | 'abstract' | 'authors'>): DocTerms {
  return {
    title: sequenceWords(p.title),
    abstract: sequenceWords(p.abstract),
    authors: sequenceWords(p.authors.join(', ')),
  };
}

const ALL_FIELDS: Field[] = ['title', 'abstract', 'authors'];

function hasSequence(seq: readonly string[], phrase: readonly string[]): boolean {
  if (!phrase.length) return false;
  outer: for (let i = 0; i + phrase.length <= seq.length; i++) {
    for (let j = 0; j < phrase.length; j++) if (seq[i + j] !== phrase[j]) continue outer;
    return true;
  }
  return false;
}

/** Index terms of a phrase's words (stop words and lone letters dropped, like the index). */
export function phraseTerms(words: readonly string[], field: Field | null, useStem = true): string[] {
  return words.flatMap((w) => termOf(w, field ?? 'abstract', useStem) ?? []);
}

/**
 * The words of a phrase as a paper's sequence holds them: stop words kept
 * (as FTS5 matches a phrase: every word as written), lone letters dropped.
 */
export function phraseSequence(words: readonly string[]): string[] {
  return words.filter(isSequenced);
}

/**
 * A leaf of a compiled tree: one word (matched by stem) or a phrase (matched
 * exactly, stop words inside it included), unstemmed. `terms` are the index
 * terms (what postings hold), `sequence` the words in order (phrases only).
 */
export interface Leaf {
  terms: string[];
  sequence: string[];
  field: Field | null;
  phrase: boolean;
}

/**
 * Compiles a tree once into a test that many papers can be put through:
 * `encode` prepares each leaf for the paper store, `has` answers it for one
 * paper. A leaf whose words the index drops (stop words) matches nothing.
 */
export function compileMatch<S>(node: QueryNode, encode: (leaf: Leaf) => S): (has: (leaf: S) => boolean) => boolean {
  switch (node.kind) {
    case 'term':
    case 'phrase': {
      const ws = node.kind === 'term' ? [node.word] : node.words;
      const seq = phraseTerms(ws, node.field, false);
      if (!seq.length) return () => false;
      const sequence = node.kind === 'phrase' ? phraseSequence(ws) : seq;
      // A phrase that keeps one word (stop words included) is that word.
      const leaf = encode({ terms: seq, sequence, field: node.field, phrase: sequence.length > 1 });
      return (has) => has(leaf);
    }
    case 'and': {
      const kids = node.children.map((c) => compileMatch(c, encode));
      return (has) => kids.every((k) => k(has));
    }
    case 'or': {
      const kids = node.children.map((c) => compileMatch(c, encode));
      return (has) => kids.some((k) => k(has));
    }
    case 'not': {
      const kid = compileMatch(node.child, encode);
      return (has) => !kid(has);
    }
  }
}

/** The reference semantics: a tree against one paper's terms. */
export function docMatches(node: QueryNode, doc: DocTerms): boolean {
  return compileMatch(node, (leaf) => leaf)((leaf) =>
    (leaf.field ? [leaf.field] : ALL_FIELDS).some((f) =>
      leaf.phrase ? hasSequence(doc[f], leaf.sequence) : doc[f].some((w) => termOf(w, f, false) !== null && stem(w) === stem(leaf.terms[0])),
    ),
  );
}

/**
 * Whether a tree holds a phrase. With `outsideCompounds`, a compound's OR (whose phrases
 * CheckedMatcher confirms as it scores) does not count, unless it sits under a NOT.
 */
export function containsPhrase(node: QueryNode, outsideCompounds = false): boolean {
  switch (node.kind) {
    case 'phrase':
      return true;
    case 'term':
      return false;
    case 'not':
      return containsPhrase(node.child);
    case 'or':
      if (outsideCompounds && node.compound) return false;
      return node.children.some((c) => containsPhrase(c, outsideCompounds));
    case 'and':
      return node.children.some((c) => containsPhrase(c, outsideCompounds));
  }
}
