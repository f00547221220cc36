// A paper and its full text for the assistant's tests, written for them: the
// body holds sentences the abstract does not, so a test can tell which the
// model was given.
import { join } from 'node:path';
import { openDb, type Db } from '../../db/client.ts';
import { ingestBatch } from '../../db/queries.ts';
import type { Paper } from '../../db/paper.ts';
import type { FullTextResult, FullTextFetch } from '../../server/assistant/fulltext.ts';

export const PAPER: Paper = {
  id: '2604.11111',
  version: 1,
  title: 'Crescent losses for lantern networks with $a_b$ in the title',
  abstract: 'We introduce crescent losses for lantern networks and show that they train faster than the usual losses on three benchmarks.',
  authors: ['Ada Tester', 'Bo Reader'],
  categories: ['cs.LG'],
  published: '2026-04-01',
  updated: '2026-04-01',
  comments: null,
  journalRef: null,
  doi: null,
  license: null,
};

/** A second paper, for tests that need two. */
export const OTHER: Paper = { ...PAPER, id: '2604.22222', title: 'A second paper about quiet gradients', abstract: 'Quiet gradients are studied here briefly.' };

/** In the method section only. */
export const BODY_SENTENCE = 'The gradient of the crescent loss vanishes exactly when the lantern parameter equals one half.';
/** In the references only: must never reach the model. */
export const REFERENCE_SENTENCE = 'Smith, J. A very old paper about something else entirely. Journal of Nothing, 1901.';

export const FULL_TEXT: FullTextResult = {
  status: 'ok',
  source: 'html',
  text: '',
  sections: [
    { title: 'Abstract', level: 2, text: PAPER.abstract },
    { title: '1 Introduction', level: 2, text: 'Lantern networks are a family of models we use as a running example. They are small.' },
    { title: '2 Related work', level: 2, text: 'Earlier losses for lantern networks include the moon loss and the tide loss.' },
    { title: '3 Method', level: 2, text: `We define the crescent loss as a smooth function of the lantern parameter. ${BODY_SENTENCE} This gives a closed form for the optimum.` },
    { title: '4 Experiments', level: 2, text: 'On three benchmarks the crescent loss reaches the same accuracy in 40% fewer steps.' },
    { title: '5 Conclusion', level: 2, text: 'Crescent losses are simple and fast; their behaviour on large models is left open.' },
    { title: 'References', level: 2, text: REFERENCE_SENTENCE },
  ],
};
if (FULL_TEXT.status === 'ok') FULL_TEXT.text = FULL_TEXT.sections.map((s) => `${s.title}\n\n${s.text}`).join('\n\n');

/** A full-text fetch over the fixture that records what it was asked. */
export function fixtureFullText(): FullTextFetch & { calls: string[] } {
  const calls: string[] = [];
  const f = (async (id: string, version: number) => {
    calls.push(`${id}v${version}`);
    return id === PAPER.id ? FULL_TEXT : { status: 'absent' as const, reason: 'not in the fixture' };
  }) as FullTextFetch & { calls: string[] };
  f.calls = calls;
  return f;
}

/** A fresh database in `dir` holding PAPER and OTHER. */
export function seedAssistantDb(dir: string): Db {
  const db = openDb(join(dir, 'papers.db'));
  ingestBatch(db, { papers: [PAPER, OTHER] });
  return db;
}
