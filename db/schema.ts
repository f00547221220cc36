// The one source of truth for the database schema. `npm run db:generate` turns
// changes here into a committed migration under db/migrations.
import { sqliteTable, text, integer, primaryKey, index } from 'drizzle-orm/sqlite-core';

export const papers = sqliteTable(
  'papers',
  {
    /** arXiv id without version: `2405.01234` or `hep-th/9901001`. */
    id: text('id').primaryKey(),
    /** Latest version we know of; null when the source did not say. */
    version: integer('version'),
    title: text('title').notNull(),
    abstract: text('abstract').notNull(),
    /** JSON array of author names, in order. */
    authors: text('authors').notNull(),
    /** JSON array of categories, primary first. */
    categories: text('categories').notNull(),
    primaryCategory: text('primary_category').notNull(),
    /** First submission (v1), ISO date `YYYY-MM-DD`; null when unknown. */
    published: text('published'),
    /** Latest version's date, ISO `YYYY-MM-DD`; null when unknown. */
    updated: text('updated'),
    /**
     * What listings sort by: `published` when known, else the month the id
     * encodes (`2405.01234` -> `2024-05`), so every paper has a place in time.
     */
    sortDate: text('sort_date').notNull(),
    comments: text('comments'),
    journalRef: text('journal_ref'),
    doi: text('doi'),
    license: text('license'),
    /** Unix ms of the last ingest that saw this paper (crawl or import). */
    seenAt: integer('seen_at').notNull(),
    /**
     * Change counter: every write that alters a row gives it max(seq)+1.
     * Search indexes remember the highest seq they hold (their watermark)
     * and catch up from there.
     */
    seq: integer('seq').notNull(),
  },
  (t) => [index('papers_seq').on(t.seq)],
);

/** One row per (paper, category) so "category X, newest first" is an index scan. */
export const paperCategories = sqliteTable(
  'paper_categories',
  {
    category: text('category').notNull(),
    paperId: text('paper_id').notNull(),
    sortDate: text('sort_date').notNull(),
    isPrimary: integer('is_primary', { mode: 'boolean' }).notNull(),
  },
  // The key is the "newest first" order itself, so listing a category reads one index range.
  (t) => [primaryKey({ columns: [t.category, t.sortDate, t.paperId] }), index('paper_categories_paper').on(t.paperId)],
);

/** arXiv's daily announcement lists, as the RSS feed gives them. */
export const announcements = sqliteTable(
  'announcements',
  {
    /** Announcement day, ISO `YYYY-MM-DD`. */
    date: text('date').notNull(),
    category: text('category').notNull(),
    paperId: text('paper_id').notNull(),
    /** new | cross | replace | replace-cross */
    announceType: text('announce_type').notNull(),
    /** Position in arXiv's own order for that list. */
    position: integer('position').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.category, t.date, t.paperId] }),
    index('announcements_paper').on(t.paperId),
  ],
);

/** Per source and set: where a crawl resumes, and how it last went. */
export const crawlState = sqliteTable(
  'crawl_state',
  {
    source: text('source').notNull(),
    setKey: text('set_key').notNull(),
    /** JSON: source-specific resume point (token, start offset, date...). */
    resume: text('resume'),
    lastSuccess: integer('last_success'),
    lastError: text('last_error'),
    lastErrorAt: integer('last_error_at'),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.source, t.setKey] })],
);

/** Typeset formulas, keyed by display mode + TeX source. */
export const mathCache = sqliteTable('math_cache', {
  key: text('key').primaryKey(),
  html: text('html').notNull(),
  ok: integer('ok', { mode: 'boolean' }).notNull(),
});

/** Machine translations, per paper version and language. */
export const translations = sqliteTable(
  'translations',
  {
    paperId: text('paper_id').notNull(),
    version: integer('version').notNull(),
    lang: text('lang').notNull(),
    title: text('title').notNull(),
    abstract: text('abstract').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.paperId, t.version, t.lang] })],
);

/**
 * When the next request to a host may be sent, shared by every process that
 * opens this database (the server's crawler and lookups, a CLI crawl), so
 * together they keep the spacing a single client keeps.
 */
export const requestPace = sqliteTable('request_pace', {
  host: text('host').primaryKey(),
  /** Epoch milliseconds before which no process sends to this host. */
  nextAt: integer('next_at').notNull(),
});

/**
 * The reading assistant's finished answers (server/assistant/): the FAQ
 * (`question_key` '') and readers' own questions (`question_key` the hash of
 * the normalised question), per paper version, language, prompt version and
 * model. Only complete answers are written; a partial one never is.
 */
export const assistantAnswers = sqliteTable(
  'assistant_answers',
  {
    paperId: text('paper_id').notNull(),
    version: integer('version').notNull(),
    lang: text('lang').notNull(),
    promptVersion: text('prompt_version').notNull(),
    model: text('model').notNull(),
    questionKey: text('question_key').notNull(),
    /** The reader's question as asked (normalised); '' for the FAQ. */
    question: text('question').notNull(),
    markdown: text('markdown').notNull(),
    /** What the model read: `fulltext:<source>` or `abstract` (no full text to be had). */
    basis: text('basis').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.paperId, t.questionKey, t.lang, t.version, t.promptVersion, t.model] }),
    index('assistant_answers_created').on(t.createdAt),
  ],
);

/**
 * Full text of a paper version, fetched from arXiv for the assistant
 * (scripts/crawler/fulltext.ts). Private: never served to readers. Bounded
 * by FULLTEXT_CACHE_MB, least recently used rows going first.
 */
export const fulltextCache = sqliteTable(
  'fulltext_cache',
  {
    paperId: text('paper_id').notNull(),
    /** 0 when fetched without a version (arXiv's latest). */
    version: integer('version').notNull(),
    /** html | pdf */
    source: text('source').notNull(),
    text: text('text').notNull(),
    /** JSON array of {title, level, text}. */
    sections: text('sections').notNull(),
    /** UTF-8 bytes of text + sections, what the bound counts. */
    bytes: integer('bytes').notNull(),
    createdAt: integer('created_at').notNull(),
    usedAt: integer('used_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.paperId, t.version] }), index('fulltext_cache_used').on(t.usedAt)],
);

export type PaperRow = typeof papers.$inferSelect;
