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
