ALTER TABLE "bots" ADD COLUMN "name" text;--> statement-breakpoint
ALTER TABLE "bots" ADD COLUMN "verified_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "bots" ADD COLUMN "telegram_error" text;