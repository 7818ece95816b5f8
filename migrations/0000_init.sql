CREATE TABLE "bots" (
	"bot_id" bigint PRIMARY KEY NOT NULL,
	"username" text,
	"title" text DEFAULT '' NOT NULL,
	"token_encrypted" text,
	"status" text DEFAULT 'active' NOT NULL,
	"ref_percent" integer DEFAULT 10 NOT NULL,
	"meta" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "api_keys" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"key_hash" text NOT NULL,
	"key_prefix" text NOT NULL,
	"scope" text NOT NULL,
	"bot_id" bigint,
	"group_ids" bigint[],
	"access" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_keys_key_hash_unique" UNIQUE("key_hash")
);
--> statement-breakpoint
CREATE TABLE "group_settings" (
	"group_id" bigint PRIMARY KEY NOT NULL,
	"welcome_message" text,
	"goodbye_message" text,
	"auto_delete_commands" boolean DEFAULT false NOT NULL,
	"auto_delete_welcome" boolean DEFAULT false NOT NULL,
	"logging" jsonb NOT NULL,
	"moderation" jsonb NOT NULL,
	"night_mode_schedule" jsonb,
	"custom_settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"lockdown" boolean DEFAULT false NOT NULL,
	"lockdown_until" timestamp with time zone,
	"night_mode" boolean DEFAULT false NOT NULL,
	"night_mode_until" timestamp with time zone,
	"saved_permissions" jsonb,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "groups" (
	"group_id" bigint PRIMARY KEY NOT NULL,
	"bot_id" bigint,
	"name" text NOT NULL,
	"description" text,
	"language" text DEFAULT 'en' NOT NULL,
	"timezone" text DEFAULT 'UTC' NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"meta" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "member_roles" (
	"group_id" bigint NOT NULL,
	"user_id" bigint NOT NULL,
	"role_id" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "member_roles_group_id_user_id_pk" PRIMARY KEY("group_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "roles" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"group_id" bigint NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"permissions" text[] DEFAULT '{}' NOT NULL,
	"priority" integer DEFAULT 0 NOT NULL,
	"inherits_from" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rule_history" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"rule_id" bigint NOT NULL,
	"group_id" bigint NOT NULL,
	"change" text NOT NULL,
	"snapshot" jsonb NOT NULL,
	"actor_id" bigint,
	"target_user_id" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rules" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"group_id" bigint NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"trigger" jsonb NOT NULL,
	"penalty" jsonb NOT NULL,
	"priority" integer DEFAULT 0 NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "user_actions" (
	"group_id" bigint NOT NULL,
	"user_id" bigint NOT NULL,
	"kind" text NOT NULL,
	"active" boolean NOT NULL,
	"expires_at" timestamp with time zone,
	"reason" text,
	"admin_id" bigint,
	"expiry_logged" boolean DEFAULT false NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "user_actions_group_id_user_id_kind_pk" PRIMARY KEY("group_id","user_id","kind")
);
--> statement-breakpoint
CREATE TABLE "warnings" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"group_id" bigint NOT NULL,
	"user_id" bigint NOT NULL,
	"admin_id" bigint,
	"reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "action_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"group_id" bigint NOT NULL,
	"user_id" bigint,
	"admin_id" bigint,
	"action" text NOT NULL,
	"reason" text,
	"result" text DEFAULT 'success' NOT NULL,
	"error" text,
	"source" text DEFAULT 'api' NOT NULL,
	"duration" integer,
	"meta" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "group_settings" ADD CONSTRAINT "group_settings_group_id_groups_group_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."groups"("group_id") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "member_roles" ADD CONSTRAINT "member_roles_group_id_groups_group_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."groups"("group_id") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "member_roles" ADD CONSTRAINT "member_roles_role_id_roles_id_fk" FOREIGN KEY ("role_id") REFERENCES "public"."roles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "roles" ADD CONSTRAINT "roles_group_id_groups_group_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."groups"("group_id") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "rules" ADD CONSTRAINT "rules_group_id_groups_group_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."groups"("group_id") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "user_actions" ADD CONSTRAINT "user_actions_group_id_groups_group_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."groups"("group_id") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "warnings" ADD CONSTRAINT "warnings_group_id_groups_group_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."groups"("group_id") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
CREATE INDEX "api_keys_bot_idx" ON "api_keys" USING btree ("bot_id");--> statement-breakpoint
CREATE INDEX "groups_bot_idx" ON "groups" USING btree ("bot_id");--> statement-breakpoint
CREATE UNIQUE INDEX "roles_group_name_idx" ON "roles" USING btree ("group_id","name");--> statement-breakpoint
CREATE INDEX "rule_history_rule_idx" ON "rule_history" USING btree ("rule_id","created_at");--> statement-breakpoint
CREATE INDEX "rules_group_idx" ON "rules" USING btree ("group_id","priority");--> statement-breakpoint
CREATE INDEX "user_actions_expiry_idx" ON "user_actions" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "warnings_group_user_idx" ON "warnings" USING btree ("group_id","user_id");--> statement-breakpoint
CREATE INDEX "action_log_group_time_idx" ON "action_log" USING btree ("group_id","created_at");--> statement-breakpoint
CREATE INDEX "action_log_group_user_idx" ON "action_log" USING btree ("group_id","user_id","created_at");--> statement-breakpoint
CREATE INDEX "action_log_time_idx" ON "action_log" USING btree ("created_at");