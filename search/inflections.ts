// Which indexed words a query word stands for besides itself: its
// inflections, not everything Porter puts under its stem. Porter's stems
// merge different words ("general", "generation" and "generalization" are all
// "gener"; "university" and "universe" are "univers"), which is why an index
// of stems ranked worse than one of words as written (BENCHMARKS.md). Here a
// candidate must share the typed word's Porter stem AND differ from it only
// by endings of one family, after their common beginning:
//
//   a word's own forms     "", s, es, e, ed, d, ing, ings, y, ies, ied
//                          model/models/modeling, study/studies, train/trained
//   a verb and its noun    e, es, ed, ing, ion, ions, ation, ations
//                          quantize/quantization, estimate/estimation, compute/computation
//
// A consonant doubled before -ed/-ing counts as the plain ending
// (modelling, planned). "general"/"generalization" ("" / "ization") and
// "optimal"/"optimize" ("al" / "ize") are different words and stay apart.
// Pure functions; both engines ask them (through search/plan.ts).
import { stem } from './tokenize.ts';

const FAMILIES: readonly ReadonlySet<string>[] = [
  new Set(['', 's', 'es', 'e', 'ed', 'd', 'ing', 'ings', 'y', 'ies', 'ied']),
  new Set(['e', 'es', 'ed', 'ing', 'ion', 'ions', 'ation', 'ations']),
];

/** The shared beginning must be at least this long ("use"/"used", never two letters). */
const MIN_SHARED = 3;

/** What follows the first `at` letters of `word`, a doubled consonant before -ed/-ing read as the plain ending. */
function endingAfter(word: string, at: number): string {
  const rest = word.slice(at);
  if (rest.length > 2 && rest[0] === word[at - 1] && /^[^aeiouy](?:ed|ing|ings)$/.test(rest)) return rest.slice(1);
  return rest;
}

/**
 * Whether `other` is an inflection of `typed` (see the file comment): the
 * same Porter stem, and both endings after the common beginning in one family.
 * Symmetric; false for the word itself.
 */
export function isInflection(typed: string, other: string): boolean {
  if (typed === other || !/^\p{L}+$/u.test(typed) || !/^\p{L}+$/u.test(other)) return false;
  let at = 0;
  while (at < typed.length && at < other.length && typed[at] === other[at]) at++;
  if (at < MIN_SHARED || stem(typed) !== stem(other)) return false;
  const a = endingAfter(typed, at);
  const b = endingAfter(other, at);
  return FAMILIES.some((f) => f.has(a) && f.has(b));
}

/**
 * Where to look for `word`'s inflections in a sorted vocabulary: the
 * beginning its candidates share, or null for a word shorter than
 * MIN_SHARED letters (it has none). That is the longest common beginning of
 * the word and its Porter stem, less a final e, i or y, since an inflection
 * may drop or change that letter where the stem keeps it ("rules" / "ruling"
 * under stem "rule", "binaries" / "binary" under "binari", "densities" /
 * "density"); and never less than the word's first MIN_SHARED letters, which
 * every inflection shares (isInflection), where the stem parts from the word
 * sooner ("keys" / "key" under stem "kei", "used" / "use" under "us").
 * Listing by this beginning and keeping the words with the same stem for
 * which isInflection() holds finds them all.
 */
export function inflectionPrefix(word: string): string | null {
  if (word.length < MIN_SHARED) return null;
  const s = stem(word);
  let at = 0;
  while (at < s.length && at < word.length && s[at] === word[at]) at++;
  if (at > MIN_SHARED && /[eiy]/.test(word[at - 1])) at--;
  return word.slice(0, Math.max(at, MIN_SHARED));
}
