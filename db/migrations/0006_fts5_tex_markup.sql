-- The FTS5 index reads the papers' text with TeX markup dropped, as the
-- in-process engine does (lib/textex.ts dropTexMarkup): accents keep their
-- letter (0005) and now every other command name goes too, so `$\times$`
-- is no word "times" and `$M_\star$` no word "star" in either engine. The
-- view papers_fts_text (read by a 'rebuild') and the triggers (every write)
-- call tex_plain(), which db/client.ts registers on every connection. The
-- table is made anew, empty, because its triggers delete a paper's words by
-- folding the old text again: search/fts5.ts ensureFts5 fills it with one
-- 'rebuild' the first time the engine opens. fts5_state is kept.
DROP VIEW IF EXISTS papers_fts_text;
--> statement-breakpoint
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
	SELECT rowid AS rid, tex_plain(title) AS title, tex_plain(abstract) AS abstract, tex_plain(authors) AS authors FROM papers;
--> statement-breakpoint
CREATE VIRTUAL TABLE papers_fts USING fts5(title, abstract, authors,
	content='papers_fts_text', content_rowid='rid', tokenize='unicode61 remove_diacritics 2');
--> statement-breakpoint
CREATE VIRTUAL TABLE papers_fts_vocab USING fts5vocab(papers_fts, 'row');
--> statement-breakpoint
CREATE TRIGGER papers_fts_ai AFTER INSERT ON papers WHEN (SELECT indexing FROM fts5_state) BEGIN
	INSERT INTO papers_fts(rowid, title, abstract, authors)
		VALUES (new.rowid, tex_plain(new.title), tex_plain(new.abstract), tex_plain(new.authors));
END;
--> statement-breakpoint
CREATE TRIGGER papers_fts_ad AFTER DELETE ON papers WHEN (SELECT indexing FROM fts5_state) BEGIN
	INSERT INTO papers_fts(papers_fts, rowid, title, abstract, authors)
		VALUES ('delete', old.rowid, tex_plain(old.title), tex_plain(old.abstract), tex_plain(old.authors));
END;
--> statement-breakpoint
CREATE TRIGGER papers_fts_au AFTER UPDATE OF title, abstract, authors ON papers WHEN (SELECT indexing FROM fts5_state) BEGIN
	INSERT INTO papers_fts(papers_fts, rowid, title, abstract, authors)
		VALUES ('delete', old.rowid, tex_plain(old.title), tex_plain(old.abstract), tex_plain(old.authors));
	INSERT INTO papers_fts(rowid, title, abstract, authors)
		VALUES (new.rowid, tex_plain(new.title), tex_plain(new.abstract), tex_plain(new.authors));
END;
