// A phrase of several words, scored as FTS5's bm25() scores one: as ONE
// term, its frequency the number of times the words stand in a row (from
// the stored sequences, search/sequences.ts), its IDF from the papers that
// hold the phrase. Scored as an AND of its words, a paper with "large" and
// "scale" anywhere counted like one about "large-scale", and the engines
// ranked hyphenated compounds apart.
import { Bm25f, scoreContext, type Bm25, type Matcher, type ScoreContext } from './ms-eval.ts';
import type { IndexView } from './ms-internals.ts';
import type { TermSequences } from './sequences.ts';

/** What a phrase is matched against: its words' matcher, their hashes in order, and the fields with their weights. */
export interface PhraseSource {
  /** An AND of the phrase's indexed words as typed: the candidates, and a cheap first check. */
  words: Matcher;
  /** The phrase's words in order (stop words included) as the sequences hash them. */
  hashes: Int32Array;
  sequences: TermSequences;
  /** Field id -> weight: the fields searched (one, for a field filter). */
  boosts: ReadonlyMap<number, number>;
  view: IndexView;
}

const counts = new Int32Array(3);
const scratch = scoreContext();

/** The phrase's weighted frequency in a paper (0: the words are never in a row there). */
function frequency(src: PhraseSource, sid: number): number {
  if (src.words.score(sid, scratch) < 0) return 0;
  src.sequences.count(sid, src.hashes, counts);
  let tf = 0;
  for (const [fid, w] of src.boosts) tf += w * counts[fid];
  return tf;
}

/** How many live papers hold the phrase in the searched fields (a pass over its words' candidates). */
export function phraseDocs(src: PhraseSource): number {
  let n = 0;
  for (const sid of src.words.candidates()) if (src.view.isLive(sid) && frequency(src, sid) > 0) n++;
  return n;
}

export class PhraseMatcher implements Matcher {
  readonly cost: number;
  private readonly scoring: Bm25f;
  /** `docs`: the papers holding the phrase (phraseDocs, which an engine may keep between queries). */
  constructor(
    private readonly src: PhraseSource,
    bm25: Bm25,
    docs: number,
  ) {
    this.cost = src.words.cost;
    this.scoring = new Bm25f(src.view, bm25, docs);
  }
  candidates(): Iterable<number> {
    return this.src.words.candidates();
  }
  score(sid: number, ctx: ScoreContext): number {
    const tf = frequency(this.src, sid);
    if (tf <= 0) return -1;
    const s = this.scoring.term(tf, this.scoring.lengthNorm(sid));
    // A phrase has no inflections: the words as typed are all it matches.
    ctx.typed = s;
    return s;
  }
}
