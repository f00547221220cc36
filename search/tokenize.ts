// How text becomes index terms, shared by indexing, queries, keywords and
// highlighting so they can never disagree. Pure functions, no I/O.
//
// arXiv text is full of TeX: `$\mathcal{O}(n^2)$`, `Bal\'azs`, `\emph{...}`.
// Command names must not become words (every paper with a formula would
// match "mathcal"), accents written in TeX or Unicode must fold to the same
// letters, and arXiv ids must stay one token so `2405.01234` finds itself.
import { stemmer } from 'stemmer';
import { dropTexMarkup } from '../lib/textex.ts';

// A common English list (articles, pronouns, auxiliaries, prepositions) — the
// words that carry no topic. Domain words like "model" stay: the evaluation
// showed readers' queries use them to pin papers down.
const STOP_WORD_LIST = `a about above after again against all also am an and any are as at be because been
before being below between both but by can could did do does doing down during each either few for from further
had has have having he her here hers herself him himself his how however i if in into is it its itself just me
more most my myself no nor not of off on once only or other our ours ourselves out over own same she should so
some such than that the their theirs them themselves then there these they this those through thus to too under
until up upon very via was we were what when where which while who whom why will with within without would yet
you your yours yourself yourselves`;

export const STOP_WORDS: ReadonlySet<string> = new Set(STOP_WORD_LIST.split(/\s+/));

// One pass finds runs of letters/digits, possibly joined by . / - ; a joined
// run stays whole only when it is an arXiv id (hep-th/9901001, 2405.01234) or
// a decimal number (3.5), and otherwise splits into its parts.
const RUN = /[\p{L}\p{N}]+(?:[./-][\p{L}\p{N}]+)*/gu;
const KEEP_WHOLE = /^(?:[a-z]+(?:-[a-z]+)?(?:\.[a-z]{2})?\/\d{7}|\d+(?:\.\d+)+)$/;
const PARTS = /[\p{L}\p{N}]+/gu;
const APOSTROPHE = /(\p{L})['’](\p{L})/gu;
// A possessive 's is dropped ("LRM's" is "lrm", as FTS5's tokenizer also
// gives it) before other inner apostrophes join their parts ("don't").
const POSSESSIVE = /(\p{L})['’]s(?![\p{L}\p{N}])/gu;
const MARKS = /\p{M}+/gu;

/** Lower-cases, folds accents (Unicode or TeX) and removes TeX command names. */
export function foldText(text: string): string {
  // TeX accent commands are dropped so the letter they sit on survives; other commands (\mathcal, \emph, \alpha) vanish whole.
  return dropTexMarkup(text)
    .normalize('NFKD')
    .replace(MARKS, '')
    .toLowerCase()
    .replace(POSSESSIVE, '$1')
    .replace(APOSTROPHE, '$1$2');
}

/**
 * The surface words of a text, folded: `Self-Supervised $\mathcal{O}(n)$ Bal\'azs` ->
 * [self, supervised, o, n, balazs]. Hyphenated words split into their parts.
 */
export function words(text: string): string[] {
  const runs = foldText(text).match(RUN);
  if (!runs) return [];
  const out: string[] = [];
  for (const r of runs) {
    if (!/[.\/-]/.test(r) || KEEP_WHOLE.test(r)) out.push(r);
    else for (const p of r.match(PARTS)!) out.push(p);
  }
  return out;
}

/** Whether a folded word is worth indexing: not a stop word, not a lone letter. */
export function isIndexable(word: string): boolean {
  if (STOP_WORDS.has(word)) return false;
  // Single letters are mostly formula variables (x, n, O); single digits are kept
  // because "3 d" or "gpt 4" style splits still carry meaning.
  return word.length > 1 || (word >= '0' && word <= '9');
}

/**
 * Whether a folded word is kept in a paper's word sequence (phrases are
 * confirmed there): the indexed words and the stop words, so that
 * "out of distribution" and "state-of-the-art" keep their small words.
 */
export function isSequenced(word: string): boolean {
  return isIndexable(word) || STOP_WORDS.has(word);
}

/** The words of a text as its sequence holds them (see isSequenced), in order. */
export function sequenceWords(text: string): string[] {
  return words(text).filter(isSequenced);
}

const stemCache = new Map<string, string>();

/** Porter stem of a folded word; numbers and ids pass through. */
export function stem(word: string): string {
  let s = stemCache.get(word);
  if (s === undefined) {
    s = /^\p{L}+$/u.test(word) ? stemmer(word) : word;
    if (stemCache.size > 200_000) stemCache.clear();
    stemCache.set(word, s);
  }
  return s;
}

export type TermField = 'title' | 'abstract' | 'authors';

/**
 * The index term for a folded word, or null when the word is not indexed.
 * Every field (names included) is stemmed alike so that a query term and a
 * field term always agree; two names that share a stem are rare enough.
 */
export function termOf(word: string, _field: TermField = 'abstract', useStem = true): string | null {
  if (!useStem) return isIndexable(word) ? word : null;
  // One cache lookup per word: indexing calls this for every word of every abstract.
  let t = termCache.get(word);
  if (t === undefined) {
    t = isIndexable(word) ? stem(word) : null;
    if (termCache.size > 500_000) termCache.clear();
    termCache.set(word, t);
  }
  return t;
}

const termCache = new Map<string, string | null>();

/** All index terms of a text (with repeats, in order). */
export function terms(text: string, field: TermField, useStem = true): string[] {
  const out: string[] = [];
  for (const w of words(text)) {
    const t = termOf(w, field, useStem);
    if (t) out.push(t);
  }
  return out;
}

/** Bump when tokenizing changes (field lengths included), so saved indexes are rebuilt rather than misread. */
export const TOKENIZER_VERSION = 7;

const UNICODE61_TOKEN = /[\p{L}\p{N}\p{Co}]+/gu;

/**
 * How many tokens SQLite FTS5's unicode61 tokenizer finds in a text as the
 * FTS5 index holds it, TeX markup dropped (lib/textex.ts dropTexMarkup):
 * runs of letters, digits and private-use characters; stop words count. The length BM25 normalizes by in both engines, so that
 * they weigh a paper's length alike. Equal to FTS5's own column sizes on
 * every field of the 85 k corpus papers.
 */
export function unicode61Length(text: string): number {
  let n = 0;
  for (const _ of dropTexMarkup(text).matchAll(UNICODE61_TOKEN)) n++;
  return n;
}
