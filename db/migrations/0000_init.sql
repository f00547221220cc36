CREATE TABLE `announcements` (
	`date` text NOT NULL,
	`category` text NOT NULL,
	`paper_id` text NOT NULL,
	`announce_type` text NOT NULL,
	`position` integer NOT NULL,
	PRIMARY KEY(`category`, `date`, `paper_id`)
);
--> statement-breakpoint
CREATE INDEX `announcements_paper` ON `announcements` (`paper_id`);--> statement-breakpoint
CREATE TABLE `crawl_state` (
	`source` text NOT NULL,
	`set_key` text NOT NULL,
	`resume` text,
	`last_success` integer,
	`last_error` text,
	`last_error_at` integer,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`source`, `set_key`)
);
--> statement-breakpoint
CREATE TABLE `math_cache` (
	`key` text PRIMARY KEY NOT NULL,
	`html` text NOT NULL,
	`ok` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `paper_categories` (
	`category` text NOT NULL,
	`paper_id` text NOT NULL,
	`sort_date` text NOT NULL,
	`is_primary` integer NOT NULL,
	PRIMARY KEY(`category`, `sort_date`, `paper_id`)
);
--> statement-breakpoint
CREATE INDEX `paper_categories_paper` ON `paper_categories` (`paper_id`);--> statement-breakpoint
CREATE TABLE `papers` (
	`id` text PRIMARY KEY NOT NULL,
	`version` integer,
	`title` text NOT NULL,
	`abstract` text NOT NULL,
	`authors` text NOT NULL,
	`categories` text NOT NULL,
	`primary_category` text NOT NULL,
	`published` text,
	`updated` text,
	`sort_date` text NOT NULL,
	`comments` text,
	`journal_ref` text,
	`doi` text,
	`license` text,
	`seen_at` integer NOT NULL,
	`seq` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `papers_seq` ON `papers` (`seq`);--> statement-breakpoint
CREATE TABLE `translations` (
	`paper_id` text NOT NULL,
	`version` integer NOT NULL,
	`lang` text NOT NULL,
	`title` text NOT NULL,
	`abstract` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`paper_id`, `version`, `lang`)
);
