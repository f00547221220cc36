-- The FTS5 index reads the papers' text with TeX accents dropped, as the
-- in-process engine does (lib/textex.ts dropTexAccents): unicode61 would
-- split `K\"ahler` into "k" and "ahler", so "kahler" missed papers that
-- write their accents in TeX. The text comes from the view papers_fts_text
-- (a 'rebuild' reads it) and from the triggers (every write), both through
-- tex_accents(), which db/client.ts registers on every connection it opens.
-- The table is made anew, empty: search/fts5.ts ensureFts5 fills it with
-- one 'rebuild' the first time the engine opens (it rebuilds whenever the
-- index holds another number of rows than papers). fts5_state is kept.
DROP TRIGGER IF EXISTS papers_fts_ai;
--> statement-breakpoint
DROP TRIGGER IF EXISTS papers_fts_ad;
--> statement-breakpoint
DROP TRIGGER IF EXISTS papers_fts_au;
--> statement-breakpoint
DROP TABLE IF EXISTS papers_fts_vocab;
--> statement-breakpoint
DROP TABLE IF EXISTS papers_fts;
--> statement-breakpoint
CREATE VIEW IF NOT EXISTS papers_fts_text AS
	SELECT rowid AS rid, tex_accents(title) AS title, tex_accents(abstract) AS abstract, tex_accents(authors) AS authors FROM papers;
--> statement-breakpoint
CREATE VIRTUAL TABLE papers_fts USING fts5(title, abstract, authors,
	content='papers_fts_text', content_rowid='rid', tokenize='unicode61 remove_diacritics 2');
--> statement-breakpoint
CREATE VIRTUAL TABLE papers_fts_vocab USING fts5vocab(papers_fts, 'row');
--> statement-breakpoint
CREATE TRIGGER papers_fts_ai AFTER INSERT ON papers WHEN (SELECT indexing FROM fts5_state) BEGIN
	INSERT INTO papers_fts(rowid, title, abstract, authors)
		VALUES (new.rowid, tex_accents(new.title), tex_accents(new.abstract), tex_accents(new.authors));
END;
--> statement-breakpoint
CREATE TRIGGER papers_fts_ad AFTER DELETE ON papers WHEN (SELECT indexing FROM fts5_state) BEGIN
	INSERT INTO papers_fts(papers_fts, rowid, title, abstract, authors)
		VALUES ('delete', old.rowid, tex_accents(old.title), tex_accents(old.abstract), tex_accents(old.authors));
END;
--> statement-breakpoint
CREATE TRIGGER papers_fts_au AFTER UPDATE OF title, abstract, authors ON papers WHEN (SELECT indexing FROM fts5_state) BEGIN
	INSERT INTO papers_fts(papers_fts, rowid, title, abstract, authors)
		VALUES ('delete', old.rowid, tex_accents(old.title), tex_accents(old.abstract), tex_accents(old.authors));
	INSERT INTO papers_fts(rowid, title, abstract, authors)
		VALUES (new.rowid, tex_accents(new.title), tex_accents(new.abstract), tex_accents(new.authors));
END;
