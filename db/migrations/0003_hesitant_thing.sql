CREATE TABLE `fulltext_cache` (
	`paper_id` text NOT NULL,
	`version` integer NOT NULL,
	`source` text NOT NULL,
	`text` text NOT NULL,
	`sections` text NOT NULL,
	`bytes` integer NOT NULL,
	`created_at` integer NOT NULL,
	`used_at` integer NOT NULL,
	PRIMARY KEY(`paper_id`, `version`)
);
--> statement-breakpoint
CREATE INDEX `fulltext_cache_used` ON `fulltext_cache` (`used_at`);