// The significant terms of a text by TF-IDF, the seed of "related papers":
// the words a paper uses more than the corpus does. Pure; document
// frequencies come from whichever engine asks.
import { isIndexable, stem, words } from './tokenize.ts';

export interface Keyword {
  /** Index term (stemmed). */
  term: string;
  /** The surface word the text uses most for it, for "related because: ...". */
  word: string;
  weight: number;
}

export interface KeywordOptions {
  /** How many keywords to keep. */
  count?: number;
  /** Title words count this many times (a title is the author's own summary). */
  titleWeight?: number;
  /** Terms in fewer documents than this are skipped (they can only find the paper itself). */
  minDf?: number;
  useStem?: boolean;
}

export function keywords(
  text: { title: string; abstract: string },
  df: (term: string) => number,
  totalDocs: number,
  { count = 12, titleWeight = 2, minDf = 2, useStem = true }: KeywordOptions = {},
): Keyword[] {
  const tf = new Map<string, number>();
  const surface = new Map<string, Map<string, number>>();
  const add = (t: string, weight: number) => {
    for (const w of words(t)) {
      // Numbers, ids and formula letters say little about a topic.
      if (!isIndexable(w) || !/\p{L}{2}/u.test(w)) continue;
      const term = useStem ? stem(w) : w;
      tf.set(term, (tf.get(term) ?? 0) + weight);
      let forms = surface.get(term);
      if (!forms) surface.set(term, (forms = new Map()));
      forms.set(w, (forms.get(w) ?? 0) + 1);
    }
  };
  add(text.title, titleWeight);
  add(text.abstract, 1);
  const out: Keyword[] = [];
  for (const [term, f] of tf) {
    const d = df(term);
    if (d < minDf) continue;
    const weight = (1 + Math.log(f)) * Math.log((totalDocs + 1) / (d + 0.5));
    if (weight <= 0) continue;
    const forms = [...surface.get(term)!].sort((a, b) => b[1] - a[1] || a[0].length - b[0].length || (a[0] < b[0] ? -1 : 1));
    out.push({ term, word: forms[0][0], weight });
  }
  out.sort((a, b) => b.weight - a.weight || (a.term < b.term ? -1 : a.term > b.term ? 1 : 0));
  return out.slice(0, count);
}
