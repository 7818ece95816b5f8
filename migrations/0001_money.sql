CREATE TABLE "bot_admins" (
	"bot_id" bigint NOT NULL,
	"telegram_id" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "bot_admins_bot_id_telegram_id_pk" PRIMARY KEY("bot_id","telegram_id")
);
--> statement-breakpoint
CREATE TABLE "bot_users" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"bot_id" bigint NOT NULL,
	"telegram_id" bigint NOT NULL,
	"username" text,
	"first_name" text,
	"last_name" text,
	"language_code" text,
	"is_premium" boolean DEFAULT false NOT NULL,
	"referral_code" text NOT NULL,
	"referrer_id" bigint,
	"ref_percent" integer,
	"balance" integer DEFAULT 0 NOT NULL,
	"is_banned" boolean DEFAULT false NOT NULL,
	"ban_reason" text,
	"banned_at" timestamp with time zone,
	"meta" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"last_seen_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "bot_users_balance_non_negative" CHECK ("bot_users"."balance" >= 0)
);
--> statement-breakpoint
CREATE TABLE "trial_uses" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"bot_id" bigint NOT NULL,
	"user_id" bigint NOT NULL,
	"kind" text DEFAULT 'generation' NOT NULL,
	"meta" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ledger_entries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"bot_id" bigint NOT NULL,
	"user_id" bigint NOT NULL,
	"amount" integer NOT NULL,
	"type" text NOT NULL,
	"balance_after" integer NOT NULL,
	"idempotency_key" text,
	"reason" text,
	"actor_id" bigint,
	"meta" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "payments" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"bot_id" bigint NOT NULL,
	"user_id" bigint NOT NULL,
	"telegram_id" bigint NOT NULL,
	"amount" integer NOT NULL,
	"currency" text DEFAULT 'XTR' NOT NULL,
	"credits" integer NOT NULL,
	"status" text DEFAULT 'PAID' NOT NULL,
	"provider" text DEFAULT 'telegram_stars' NOT NULL,
	"telegram_payment_charge_id" text NOT NULL,
	"provider_payment_charge_id" text,
	"invoice_payload" text NOT NULL,
	"refunded_at" timestamp with time zone,
	"meta" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "subscription_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"bot_id" bigint NOT NULL,
	"subscription_id" bigint NOT NULL,
	"kind" text NOT NULL,
	"meta" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "subscriptions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"bot_id" bigint NOT NULL,
	"sub_uid" text NOT NULL,
	"user_id" bigint NOT NULL,
	"telegram_id" bigint NOT NULL,
	"status" text DEFAULT 'Active' NOT NULL,
	"is_trial" boolean DEFAULT false NOT NULL,
	"start_date" timestamp with time zone DEFAULT now() NOT NULL,
	"stop_date" timestamp with time zone,
	"keys" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"meta" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stats_buckets" (
	"bot_id" bigint NOT NULL,
	"bucket_start" timestamp with time zone NOT NULL,
	"registrations" integer DEFAULT 0 NOT NULL,
	"payments" integer DEFAULT 0 NOT NULL,
	"revenue" bigint DEFAULT 0 NOT NULL,
	"refunds" integer DEFAULT 0 NOT NULL,
	"trials" integer DEFAULT 0 NOT NULL,
	"keys" integer DEFAULT 0 NOT NULL,
	"renewals" integer DEFAULT 0 NOT NULL,
	"subscriptions" integer DEFAULT 0 NOT NULL,
	"generations" integer DEFAULT 0 NOT NULL,
	"generation_credits" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "stats_buckets_bot_id_bucket_start_pk" PRIMARY KEY("bot_id","bucket_start")
);
--> statement-breakpoint
CREATE TABLE "system_settings" (
	"bot_id" bigint NOT NULL,
	"key" text NOT NULL,
	"value" jsonb NOT NULL,
	"updated_by" bigint,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "system_settings_bot_id_key_pk" PRIMARY KEY("bot_id","key")
);
--> statement-breakpoint
CREATE TABLE "login_replays" (
	"hash" text PRIMARY KEY NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "bot_admins" ADD CONSTRAINT "bot_admins_bot_id_bots_bot_id_fk" FOREIGN KEY ("bot_id") REFERENCES "public"."bots"("bot_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trial_uses" ADD CONSTRAINT "trial_uses_user_id_bot_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."bot_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_user_id_bot_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."bot_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_user_id_bot_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."bot_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscription_events" ADD CONSTRAINT "subscription_events_subscription_id_subscriptions_id_fk" FOREIGN KEY ("subscription_id") REFERENCES "public"."subscriptions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_user_id_bot_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."bot_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "bot_admins_telegram_idx" ON "bot_admins" USING btree ("telegram_id");--> statement-breakpoint
CREATE UNIQUE INDEX "bot_users_bot_telegram_uq" ON "bot_users" USING btree ("bot_id","telegram_id");--> statement-breakpoint
CREATE UNIQUE INDEX "bot_users_bot_referral_code_uq" ON "bot_users" USING btree ("bot_id","referral_code");--> statement-breakpoint
CREATE INDEX "bot_users_bot_created_idx" ON "bot_users" USING btree ("bot_id","created_at");--> statement-breakpoint
CREATE INDEX "bot_users_referrer_idx" ON "bot_users" USING btree ("referrer_id");--> statement-breakpoint
CREATE UNIQUE INDEX "trial_uses_user_kind_uq" ON "trial_uses" USING btree ("user_id","kind");--> statement-breakpoint
CREATE INDEX "trial_uses_bot_used_idx" ON "trial_uses" USING btree ("bot_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_entries_bot_idempotency_uq" ON "ledger_entries" USING btree ("bot_id","idempotency_key");--> statement-breakpoint
CREATE INDEX "ledger_entries_user_created_idx" ON "ledger_entries" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "ledger_entries_bot_type_created_idx" ON "ledger_entries" USING btree ("bot_id","type","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "payments_bot_charge_uq" ON "payments" USING btree ("bot_id","telegram_payment_charge_id");--> statement-breakpoint
CREATE INDEX "payments_bot_created_idx" ON "payments" USING btree ("bot_id","created_at");--> statement-breakpoint
CREATE INDEX "payments_user_created_idx" ON "payments" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "subscription_events_bot_kind_idx" ON "subscription_events" USING btree ("bot_id","kind","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "subscriptions_bot_sub_uid_uq" ON "subscriptions" USING btree ("bot_id","sub_uid");--> statement-breakpoint
CREATE INDEX "subscriptions_bot_status_idx" ON "subscriptions" USING btree ("bot_id","status","user_id");--> statement-breakpoint
CREATE INDEX "subscriptions_bot_start_idx" ON "subscriptions" USING btree ("bot_id","start_date");