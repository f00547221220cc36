-- The FTS5 engine's index (search/fts5.ts): an external-content table over
-- papers, its vocabulary, and triggers that keep it in step with every write,
-- in the writer's own transaction. The triggers act only while
-- fts5_state.indexing is 1, which the engine sets, filling the table with one
-- 'rebuild', the first time it opens (ensureFts5); until then an import pays
-- nothing for an index no engine reads (3x the CPU of the rebuild, see
-- BENCHMARKS.md). It is never set back to 0, so 0 means the table is empty.
-- Idempotent: a database whose tables older code created at run time had its
-- index kept current already, so it starts at 1 and keeps its table; its
-- triggers are replaced by these (same statements, with the WHEN).
CREATE TABLE IF NOT EXISTS `fts5_state` (
	`id` integer PRIMARY KEY NOT NULL CHECK (`id` = 1),
	`indexing` integer NOT NULL
);
--> statement-breakpoint
INSERT OR IGNORE INTO `fts5_state` (`id`, `indexing`) SELECT 1, EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'papers_fts');
--> statement-breakpoint
CREATE VIRTUAL TABLE IF NOT EXISTS papers_fts USING fts5(title, abstract, authors,
	content='papers', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2');
--> statement-breakpoint
CREATE VIRTUAL TABLE IF NOT EXISTS papers_fts_vocab USING fts5vocab(papers_fts, 'row');
--> statement-breakpoint
DROP TRIGGER IF EXISTS papers_fts_ai;
--> statement-breakpoint
DROP TRIGGER IF EXISTS papers_fts_ad;
--> statement-breakpoint
DROP TRIGGER IF EXISTS papers_fts_au;
--> statement-breakpoint
CREATE TRIGGER papers_fts_ai AFTER INSERT ON papers WHEN (SELECT indexing FROM fts5_state) BEGIN
	INSERT INTO papers_fts(rowid, title, abstract, authors) VALUES (new.rowid, new.title, new.abstract, new.authors);
END;
--> statement-breakpoint
CREATE TRIGGER papers_fts_ad AFTER DELETE ON papers WHEN (SELECT indexing FROM fts5_state) BEGIN
	INSERT INTO papers_fts(papers_fts, rowid, title, abstract, authors) VALUES ('delete', old.rowid, old.title, old.abstract, old.authors);
END;
--> statement-breakpoint
CREATE TRIGGER papers_fts_au AFTER UPDATE OF title, abstract, authors ON papers WHEN (SELECT indexing FROM fts5_state) BEGIN
	INSERT INTO papers_fts(papers_fts, rowid, title, abstract, authors) VALUES ('delete', old.rowid, old.title, old.abstract, old.authors);
	INSERT INTO papers_fts(rowid, title, abstract, authors) VALUES (new.rowid, new.title, new.abstract, new.authors);
END;
