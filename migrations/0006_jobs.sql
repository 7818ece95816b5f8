CREATE TABLE "generation_jobs" (
	"generation_id" uuid PRIMARY KEY NOT NULL,
	"provider" text NOT NULL,
	"provider_task_id" text,
	"provider_status" text,
	"polls" integer DEFAULT 0 NOT NULL,
	"last_polled_at" timestamp with time zone,
	"provider_completed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "generation_results" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"generation_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"url" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "generations" (
	"id" uuid PRIMARY KEY NOT NULL,
	"bot_id" bigint NOT NULL,
	"user_id" bigint NOT NULL,
	"telegram_id" bigint NOT NULL,
	"kind" text NOT NULL,
	"model_id" text NOT NULL,
	"provider_model" text NOT NULL,
	"prompt" text,
	"input" jsonb NOT NULL,
	"cost" integer NOT NULL,
	"trial" boolean DEFAULT false NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"error" text,
	"chat_id" bigint,
	"message_id" bigint,
	"prompt_message_id" bigint,
	"language" text DEFAULT 'uz' NOT NULL,
	"deadline_at" timestamp with time zone NOT NULL,
	"completed_at" timestamp with time zone,
	"notified_at" timestamp with time zone,
	"refunded_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "model_catalog" (
	"bot_id" bigint NOT NULL,
	"model_id" text NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"provider_model" text NOT NULL,
	"provider_edit_model" text,
	"price_by" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"options" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"trial_eligible" boolean DEFAULT false NOT NULL,
	"avg_duration_seconds" integer DEFAULT 30 NOT NULL,
	"quality" text,
	"sort_order" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "model_catalog_bot_id_model_id_pk" PRIMARY KEY("bot_id","model_id")
);
--> statement-breakpoint
CREATE TABLE "model_prices" (
	"bot_id" bigint NOT NULL,
	"model_id" text NOT NULL,
	"variant" text DEFAULT 'default' NOT NULL,
	"credits" integer NOT NULL,
	"updated_by" bigint,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "model_prices_bot_id_model_id_variant_pk" PRIMARY KEY("bot_id","model_id","variant")
);
--> statement-breakpoint
CREATE TABLE "bot_blocks" (
	"bot_id" bigint NOT NULL,
	"telegram_id" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "bot_blocks_bot_id_telegram_id_pk" PRIMARY KEY("bot_id","telegram_id")
);
--> statement-breakpoint
CREATE TABLE "broadcast_recipients" (
	"broadcast_id" bigint NOT NULL,
	"telegram_id" bigint NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"claimed_at" timestamp with time zone,
	"sent_at" timestamp with time zone,
	"message_id" bigint,
	"error" text,
	CONSTRAINT "broadcast_recipients_broadcast_id_telegram_id_pk" PRIMARY KEY("broadcast_id","telegram_id")
);
--> statement-breakpoint
CREATE TABLE "broadcasts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"public_id" uuid NOT NULL,
	"bot_id" bigint NOT NULL,
	"text" text NOT NULL,
	"parse_mode" text,
	"photo" text,
	"buttons" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"filter" jsonb NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"total" integer DEFAULT 0 NOT NULL,
	"sent" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"blocked" integer DEFAULT 0 NOT NULL,
	"created_by" bigint,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "broadcasts_public_id_unique" UNIQUE("public_id")
);
--> statement-breakpoint
ALTER TABLE "generation_jobs" ADD CONSTRAINT "generation_jobs_generation_id_generations_id_fk" FOREIGN KEY ("generation_id") REFERENCES "public"."generations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "generation_results" ADD CONSTRAINT "generation_results_generation_id_generations_id_fk" FOREIGN KEY ("generation_id") REFERENCES "public"."generations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "broadcast_recipients" ADD CONSTRAINT "broadcast_recipients_broadcast_id_broadcasts_id_fk" FOREIGN KEY ("broadcast_id") REFERENCES "public"."broadcasts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "generation_results_generation_position_uq" ON "generation_results" USING btree ("generation_id","position");--> statement-breakpoint
CREATE INDEX "generations_bot_status_created_idx" ON "generations" USING btree ("bot_id","status","created_at");--> statement-breakpoint
CREATE INDEX "generations_user_created_idx" ON "generations" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "generations_one_active_per_user_uq" ON "generations" USING btree ("user_id") WHERE status in ('pending', 'processing');--> statement-breakpoint
CREATE INDEX "generations_active_deadline_idx" ON "generations" USING btree ("deadline_at") WHERE status in ('pending', 'processing');--> statement-breakpoint
CREATE INDEX "broadcast_recipients_state_idx" ON "broadcast_recipients" USING btree ("broadcast_id","state");--> statement-breakpoint
CREATE INDEX "broadcasts_bot_created_idx" ON "broadcasts" USING btree ("bot_id","created_at");