// Cutting a paper to the model's context (LLM_CONTEXT_TOKENS). The stated rule:
//
//   1. References, bibliography and acknowledgements are dropped.
//   2. The rest is taken by priority until the room is used up: the abstract,
//      then the introduction, then the method (method, approach, model,
//      framework, algorithm, proposed …), then the conclusion (conclusion,
//      discussion, summary, limitations), then every other section in
//      document order, appendices last. A section that does not fit whole is
//      cut at a paragraph or sentence boundary and marked "[…]".
//   3. What is kept is given to the model in the paper's own order.
//
// Room: the context less ANSWER_TOKENS for the reply and PROMPT_TOKENS for
// the instructions, counted at CHARS_PER_TOKEN characters a token (a cautious
// figure for English; it errs towards sending less). Pure.
import type { FullTextSection } from './fulltext.ts';

/** What cutting needs of a section. */
type Section = Pick<FullTextSection, 'title' | 'text'>;

export const CHARS_PER_TOKEN = 4;
/** Kept free for the model's answer. */
export const ANSWER_TOKENS = 2000;
/** The instructions and questions around the paper. */
export const PROMPT_TOKENS = 600;

export interface CutPaper {
  text: string;
  /** Section titles kept whole, cut, and dropped (references or no room). */
  kept: string[];
  cut: string[];
  dropped: string[];
}

const DROP = /^\s*(\d+(\.\d+)*\.?\s*)?(references|bibliography|acknowledg(e)?ments?|funding|author contributions)\b/i;
const RANKS: [RegExp, number][] = [
  [/\babstract\b/i, 0],
  [/\bintroduction\b|^\s*(1\.?\s+)?overview\b/i, 1],
  [/\bmethods?\b|\bmethodology\b|\bapproach\b|\bmodel\b|\bframework\b|\balgorithms?\b|\bproposed\b|\barchitecture\b/i, 2],
  [/\bconclusions?\b|\bdiscussion\b|\bsummary\b|\blimitations?\b|\bconcluding\b/i, 3],
  [/\bappendix\b|\bsupplementary\b|^\s*[A-H]\.?\s+\S/i, 5],
];

function rankOf(title: string): number {
  for (const [re, rank] of RANKS) if (re.test(title)) return rank;
  return 4;
}

/** Characters of paper text that fit in a context of `contextTokens`. */
export function roomFor(contextTokens: number): number {
  return Math.max(1000, (contextTokens - ANSWER_TOKENS - PROMPT_TOKENS) * CHARS_PER_TOKEN);
}

/** The first `room` characters of `text`, ended at a paragraph, else a sentence, else a word boundary. */
export function cutAt(text: string, room: number): string {
  if (text.length <= room) return text;
  const head = text.slice(0, room);
  const para = head.lastIndexOf('\n\n');
  if (para > room * 0.6) return head.slice(0, para);
  const sentence = Math.max(head.lastIndexOf('. '), head.lastIndexOf('.\n'));
  if (sentence > room * 0.6) return head.slice(0, sentence + 1);
  const word = head.lastIndexOf(' ');
  return word > room * 0.6 ? head.slice(0, word) : head;
}

/** A body without sections: everything before a trailing "References" heading. */
function withoutReferences(text: string): string {
  const m = /\n\s*(references|bibliography)\s*\n/gi;
  let last = -1;
  for (const hit of text.matchAll(m)) last = hit.index ?? last;
  return last > text.length * 0.5 ? text.slice(0, last) : text;
}

/**
 * The paper as the model gets it: abstract and sections cut to `contextTokens`
 * by the rule above. `sections` empty: `body` is taken as one section.
 */
export function cutToContext(input: { abstract: string; sections: readonly Section[]; body?: string }, contextTokens: number): CutPaper {
  let sections: Section[] = input.sections.length
    ? [...input.sections]
    : input.body?.trim()
      ? [{ title: 'Body', text: withoutReferences(input.body) }]
      : [];
  const dropped = sections.filter((s) => DROP.test(s.title)).map((s) => s.title);
  sections = sections.filter((s) => !DROP.test(s.title) && s.text.trim());
  if (!sections.some((s) => /\babstract\b/i.test(s.title)) && input.abstract.trim()) {
    sections.unshift({ title: 'Abstract', text: input.abstract });
  }
  const order = sections.map((s, i) => ({ s, i, rank: rankOf(s.title) })).sort((a, b) => a.rank - b.rank || a.i - b.i);
  let room = roomFor(contextTokens);
  const taken = new Map<number, string>();
  const kept: string[] = [];
  const cut: string[] = [];
  for (const { s, i } of order) {
    const block = s.text.trim();
    const need = block.length + s.title.length + 8;
    if (need <= room) {
      taken.set(i, block);
      kept.push(s.title);
      room -= need;
    } else if (room > 400) {
      taken.set(i, cutAt(block, room - s.title.length - 16) + ' […]');
      cut.push(s.title);
      room = 0;
    } else dropped.push(s.title);
  }
  const text = sections
    .map((s, i) => (taken.has(i) ? `## ${s.title}\n\n${taken.get(i)}` : null))
    .filter((x): x is string => x !== null)
    .join('\n\n');
  return { text, kept, cut, dropped };
}
