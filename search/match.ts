// Exact evaluation of a query tree against one paper's text. The in-process
// index has no word positions, so phrases are found as "all words present"
// and then confirmed here; this is also the reference semantics tests use.
import type { Paper } from '../db/paper.ts';
import type { Field, QueryNode } from './query.ts';
import { termOf, terms } from './tokenize.ts';

export type DocTerms = Record<Field, string[]>;

export function docTerms(p: Pick<Paper, 'title' | 'abstract' | 'authors'>, useStem = true): DocTerms {
  return {
    title: terms(p.title, 'title', useStem),
    abstract: terms(p.abstract, 'abstract', useStem),
    authors: terms(p.authors.join(', '), 'authors', useStem),
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

export function docMatches(node: QueryNode, doc: DocTerms, useStem = true): boolean {
  switch (node.kind) {
    case 'term': {
      const t = termOf(node.word, node.field ?? 'abstract', useStem);
      if (!t) return false;
      return (node.field ? [node.field] : ALL_FIELDS).some((f) => doc[f].includes(t));
    }
    case 'phrase': {
      const seq = phraseTerms(node.words, node.field, useStem);
      return (node.field ? [node.field] : ALL_FIELDS).some((f) => hasSequence(doc[f], seq));
    }
    case 'and':
      return node.children.every((c) => docMatches(c, doc, useStem));
    case 'or':
      return node.children.some((c) => docMatches(c, doc, useStem));
    case 'not':
      return !docMatches(node.child, doc, useStem);
  }
}

export function containsPhrase(node: QueryNode): boolean {
  switch (node.kind) {
    case 'phrase':
      return true;
    case 'term':
      return false;
    case 'not':
      return containsPhrase(node.child);
    default:
      return node.children.some(containsPhrase);
  }
}
