// Compounds in their three spellings: hyphenated (`pre-trained`), closed
// (`pretrained`) and spaced (`pre trained`). Readers type any of them and
// papers use all three, so a query word or pair is rewritten into the
// spellings the index holds, decided from the index's own vocabulary:
//
//   pre-trained  ->  "pre trained" OR pretrained      (when `pretrained` is indexed; a quoted phrase alike)
//   pretrained   ->  pretrained OR "pre trained"      (when `pre` and `trained` are)
//   pre trained  ->  (pre AND trained) OR pretrained  (two bare words in a row)
//
// A phrase matches hyphenated and spaced text alike, since both tokenize to
// the same words in a row (stop words included: `out-of-distribution` is the
// phrase "out of distribution", not the word "distribution"). The spellings
// of one compound form an OR marked `compound`, which engines score as one
// word. Pure functions; the engine says which words it holds.
import type { QueryNode } from './query.ts';
import { isIndexable, STOP_WORDS } from './tokenize.ts';

/** Closed words shorter than this are not split (short words split into nonsense). */
const MIN_SPLIT_LENGTH = 6;
/** Longer "words" are noise (`aaaa…`), and each split costs two look-ups. */
const MAX_SPLIT_LENGTH = 32;
/** The first part of a split is at least this long ("pre"; "co" is too short to be told from noise). */
const MIN_FIRST = 3;
/** The second part is at least this long, so suffixes that happen to be words ("ing", "ion") never split a word. */
const MIN_SECOND = 4;

/** Stop words that often start a compound (`oversmoothing`, `outperform`, `offline`). */
const PARTICLES = new Set(['over', 'under', 'out', 'off', 'down']);

/** The ways to cut a closed word in two indexable parts, the first not a stop word but a particle ("not able" is no compound of "notable"). */
export function splitCandidates(word: string): [string, string][] {
  if (word.length < MIN_SPLIT_LENGTH || word.length > MAX_SPLIT_LENGTH || !/^\p{L}+$/u.test(word)) return [];
  const out: [string, string][] = [];
  for (let i = MIN_FIRST; i + MIN_SECOND <= word.length; i++) {
    const a = word.slice(0, i);
    const b = word.slice(i);
    if ((STOP_WORDS.has(a) && !PARTICLES.has(a)) || !isIndexable(b) || (!isIndexable(a) && !PARTICLES.has(a))) continue;
    out.push([a, b]);
  }
  return out;
}

/** The closed spelling of a compound's words ("out of distribution" -> "outofdistribution"), or null. */
export function closedForm(words: readonly string[]): string | null {
  if (words.length < 2 || !words.every((w) => /^\p{L}+$/u.test(w))) return null;
  return words.join('');
}

/** Every word whose document frequency rewriteCompounds() may ask, so an engine can look them up in one batch. */
export function compoundQuestions(root: QueryNode | null): string[] {
  const out = new Set<string>();
  const visit = (n: QueryNode) => {
    switch (n.kind) {
      case 'term':
        for (const [a, b] of splitCandidates(n.word)) out.add(a).add(b);
        return;
      case 'phrase': {
        const c = closedForm(n.words);
        if (c) out.add(c);
        return;
      }
      case 'not':
        return visit(n.child);
      case 'or':
        return n.children.forEach(visit);
      case 'and':
        n.children.forEach(visit);
        for (let i = 0; i + 1 < n.children.length; i++) {
          const pair = adjacentWords(n.children[i], n.children[i + 1]);
          if (pair) out.add(pair.join(''));
        }
    }
  };
  if (root) visit(root);
  return [...out];
}

function adjacentWords(x: QueryNode, y: QueryNode): [string, string] | null {
  if (x.kind !== 'term' || y.kind !== 'term' || x.field !== y.field) return null;
  return closedForm([x.word, y.word]) ? [x.word, y.word] : null;
}

/**
 * The tree with each compound's other spellings added, where the index holds
 * them (`docs(word)` > 0; for a closed word's spaced spelling also
 * `occurs(words)`, whether some paper has those words in a row: a spelling
 * no paper has changes no result, only the cost of looking for it, and most
 * cuts of a common word are such: "model ling", "uncertain ties"). Only
 * positive parts are rewritten: an exclusion stays the words the reader typed.
 */
export function rewriteCompounds(root: QueryNode, docs: (word: string) => number, occurs: (words: readonly string[]) => boolean = () => true): QueryNode {
  const go = (n: QueryNode): QueryNode => {
    switch (n.kind) {
      case 'term': {
        let best: [string, string] | null = null;
        let bestDocs = 0;
        for (const [a, b] of splitCandidates(n.word)) {
          // A particle is a stop word, which an engine may not index at all: the second part decides ("under sampled").
          const d = PARTICLES.has(a) ? docs(b) : Math.min(docs(a), docs(b));
          if (d > bestDocs) {
            best = [a, b];
            bestDocs = d;
          }
        }
        if (!best || !occurs(best)) return n;
        return { kind: 'or', compound: true, children: [n, { kind: 'phrase', words: best, field: n.field }] };
      }
      case 'phrase': {
        const c = closedForm(n.words);
        if (!c || docs(c) <= 0) return n;
        return { kind: 'or', compound: true, children: [n, { kind: 'term', word: c, field: n.field }] };
      }
      case 'not':
        return n;
      case 'or':
        return n.compound ? n : { kind: 'or', children: n.children.map(go) };
      case 'and': {
        const out: QueryNode[] = [];
        for (let i = 0; i < n.children.length; i++) {
          const x = n.children[i];
          const pair = i + 1 < n.children.length ? adjacentWords(x, n.children[i + 1]) : null;
          if (pair && docs(pair.join('')) > 0) {
            // The two words anywhere (as bare words always match), or the closed spelling.
            const field = (x as Extract<QueryNode, { kind: 'term' }>).field;
            out.push({ kind: 'or', compound: true, children: [{ kind: 'and', children: [x, n.children[i + 1]] }, { kind: 'term', word: pair.join(''), field }] });
            i++;
          } else {
            out.push(go(x));
          }
        }
        return out.length === 1 ? out[0] : { kind: 'and', children: out };
      }
    }
  };
  return go(root);
}
