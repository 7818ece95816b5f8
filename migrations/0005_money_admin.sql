ALTER TABLE "trial_uses" RENAME COLUMN "created_at" TO "used_at";--> statement-breakpoint
ALTER TABLE "subscription_events" RENAME COLUMN "created_at" TO "occurred_at";--> statement-breakpoint
DROP INDEX "bot_users_bot_created_idx";--> statement-breakpoint
DROP INDEX "trial_uses_bot_used_idx";--> statement-breakpoint
DROP INDEX "subscription_events_bot_kind_idx";--> statement-breakpoint
CREATE INDEX "bot_users_bot_created_idx" ON "bot_users" USING btree ("bot_id","created_at","id");--> statement-breakpoint
CREATE INDEX "trial_uses_bot_used_idx" ON "trial_uses" USING btree ("bot_id","used_at");--> statement-breakpoint
CREATE INDEX "subscription_events_bot_kind_idx" ON "subscription_events" USING btree ("bot_id","kind","occurred_at");