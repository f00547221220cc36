CREATE TABLE `request_pace` (
	`host` text PRIMARY KEY NOT NULL,
	`next_at` integer NOT NULL
);
