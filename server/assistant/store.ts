// Finished answers in SQLite (`assistant_answers`), shared by every reader:
// one row per (paper, question, language, version, prompt version, model).
// Only complete answers come here; the job runner never writes a partial one.
import { and, desc, eq, gte, count } from 'drizzle-orm';
import { tryWrite, type Db } from '../../db/client.ts';
import { assistantAnswers } from '../../db/schema.ts';

export type StoredAnswer = typeof assistantAnswers.$inferSelect;

/** What an answer is an answer to; `questionKey` '' is the FAQ. */
export interface AnswerKey {
  paperId: string;
  questionKey: string;
  lang: string;
  version: number;
  promptVersion: string;
  model: string;
}

export function getAnswer(db: Db, k: AnswerKey): StoredAnswer | null {
  const t = assistantAnswers;
  return (
    db.orm
      .select()
      .from(t)
      .where(
        and(
          eq(t.paperId, k.paperId),
          eq(t.questionKey, k.questionKey),
          eq(t.lang, k.lang),
          eq(t.version, k.version),
          eq(t.promptVersion, k.promptVersion),
          eq(t.model, k.model),
        ),
      )
      .get() ?? null
  );
}

/**
 * The newest answer to this question for an older version of the paper (any
 * prompt version or model), to show marked "for v1" while a fresh one is made.
 */
export function olderAnswer(db: Db, paperId: string, questionKey: string, lang: string, beforeVersion: number): StoredAnswer | null {
  const t = assistantAnswers;
  const rows = db.orm
    .select()
    .from(t)
    .where(and(eq(t.paperId, paperId), eq(t.questionKey, questionKey), eq(t.lang, lang)))
    .orderBy(desc(t.version), desc(t.createdAt))
    .all();
  return rows.find((r) => r.version < beforeVersion) ?? null;
}

/** Answers created since `since` (Unix ms): what the daily cap counts at start. */
export function answersSince(db: Db, since: number): number {
  const t = assistantAnswers;
  return db.orm.select({ n: count() }).from(t).where(gte(t.createdAt, since)).get()?.n ?? 0;
}

/**
 * Writes a finished answer without waiting for another process's write lock
 * (the loop must not stop for an import); returns false when the lock was
 * taken, and the caller writes it again later.
 */
export function tryPutAnswer(db: Db, row: StoredAnswer): boolean {
  return tryWrite(db, () => {
    db.orm.insert(assistantAnswers).values(row).onConflictDoUpdate({
      target: [
        assistantAnswers.paperId,
        assistantAnswers.questionKey,
        assistantAnswers.lang,
        assistantAnswers.version,
        assistantAnswers.promptVersion,
        assistantAnswers.model,
      ],
      set: { markdown: row.markdown, basis: row.basis, question: row.question, createdAt: row.createdAt },
    }).run();
  });
}
