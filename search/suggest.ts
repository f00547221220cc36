// "Did you mean": a query with a word the index (nearly) never saw gets the
// query with that word replaced by the most frequent indexed word a typo or
// two away (`reinforcment lerning` -> `reinforcement learning`), taken from
// the index's own vocabulary, so a suggestion always finds something. And a
// query written in a script the English index does not hold gets a hint.
import type { ParsedQuery, QueryNode } from './query.ts';
import { isIndexable } from './tokenize.ts';

/** What an engine answers about its vocabulary. */
export interface Lexicon {
  /** Papers holding the word (0: not indexed). */
  docs(word: string): number;
  /** Indexed words at most `maxDistance` edits from `word` (itself included or not), with their paper counts. */
  near(word: string, maxDistance: number): Iterable<[string, number]>;
}

/** A word this rare is checked for a likelier spelling; commoner words are taken as meant. */
const RARE = 3;
/** A correction must be in this many times as many papers as the word typed (and in at least MIN_DOCS). */
const MORE_COMMON = 20;
const MIN_DOCS = 5;

/** The words the reader wants found (not those excluded), as typed (folded), letters only. */
function wantedWords(node: QueryNode | null, out: string[] = []): string[] {
  if (!node) return out;
  switch (node.kind) {
    case 'term':
      out.push(node.word);
      break;
    case 'phrase':
      out.push(...node.words);
      break;
    case 'and':
    case 'or':
      for (const c of node.children) wantedWords(c, out);
      break;
    case 'not':
      break;
  }
  return out.filter((w) => isIndexable(w) && /^\p{L}{4,}$/u.test(w));
}

/** Levenshtein distance, or max + 1 as soon as it must exceed `max`. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      if (v < best) best = v;
    }
    if (best > max) return max + 1;
    prev = cur;
  }
  return prev[b.length];
}

/** The edits a word of this length may be away from its correction. */
function allowedEdits(word: string): number {
  return word.length >= 8 ? 2 : 1;
}

/** The likeliest intended spelling of one word (in `have` papers), or null when it looks meant. */
function correct(word: string, have: number, lex: Lexicon): string | null {
  if (have > RARE) return null;
  const max = allowedEdits(word);
  let best: string | null = null;
  let bestScore = 0;
  let bestDocs = 0;
  for (const [t, docs] of lex.near(word, max)) {
    if (t === word || !/^\p{L}+$/u.test(t)) continue;
    const d = editDistance(word, t, max);
    if (d > max) continue;
    // One edit is ten times likelier than two.
    const score = docs * (d === 1 ? 10 : 1);
    if (score > bestScore || (score === bestScore && best !== null && t < best)) {
      best = t;
      bestScore = score;
      bestDocs = docs;
    }
  }
  if (!best || bestDocs < Math.max(MIN_DOCS, MORE_COMMON * have)) return null;
  return best;
}

/**
 * The query with its unlikely words replaced, or null when every word looks
 * meant. Asked only when the query found nothing or has a word the index
 * does not hold (so a query of real words costs one lookup per word); then
 * each rare word (in at most RARE papers) is checked.
 */
export function suggestQuery(query: string, parsed: ParsedQuery, lex: Lexicon, total: number): string | null {
  if (parsed.lookup) return null;
  const wanted = [...new Set(wantedWords(parsed.root))].map((w) => [w, lex.docs(w)] as const);
  if (total > 0 && !wanted.some(([, docs]) => docs === 0)) return null;
  let out = query;
  let changed = false;
  for (const [w, docs] of wanted) {
    const fix = correct(w, docs, lex);
    if (!fix) continue;
    // The word as typed (any case); a word typed with accents or TeX is left alone.
    const re = new RegExp(`(?<![\\p{L}\\p{N}])${w}(?![\\p{L}\\p{N}])`, 'giu');
    const next = out.replace(re, fix);
    if (next !== out) {
      out = next;
      changed = true;
    }
  }
  return changed ? out : null;
}

/** Scripts whose letters an English index never holds (Greek is left out: it is math). */
const FOREIGN_SCRIPTS: [RegExp, string][] = [
  // Kana first: Japanese text also holds Han characters.
  [/[\p{Script=Hiragana}\p{Script=Katakana}]/u, 'Japanese'],
  [/\p{Script=Han}/u, 'Chinese'],
  [/\p{Script=Hangul}/u, 'Korean'],
  [/\p{Script=Cyrillic}/u, 'Cyrillic'],
  [/\p{Script=Arabic}/u, 'Arabic'],
  [/\p{Script=Hebrew}/u, 'Hebrew'],
  [/\p{Script=Devanagari}/u, 'Devanagari'],
  [/\p{Script=Thai}/u, 'Thai'],
];

/** The name of a script in the query that the English index does not hold, or null. */
export function foreignScript(query: string): string | null {
  for (const [re, name] of FOREIGN_SCRIPTS) if (re.test(query)) return name;
  return null;
}
