CREATE TABLE `assistant_answers` (
	`paper_id` text NOT NULL,
	`version` integer NOT NULL,
	`lang` text NOT NULL,
	`prompt_version` text NOT NULL,
	`model` text NOT NULL,
	`question_key` text NOT NULL,
	`question` text NOT NULL,
	`markdown` text NOT NULL,
	`basis` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`paper_id`, `question_key`, `lang`, `version`, `prompt_version`, `model`)
);
--> statement-breakpoint
CREATE INDEX `assistant_answers_created` ON `assistant_answers` (`created_at`);