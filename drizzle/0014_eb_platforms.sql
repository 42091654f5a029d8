CREATE TYPE "public"."eb_platform_state" AS ENUM('unknown', 'up', 'down');--> statement-breakpoint
ALTER TYPE "public"."channel" ADD VALUE 'eb';--> statement-breakpoint
CREATE SEQUENCE "public"."eb_ebd_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9999999999999999 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "eb_broadcasts" (
	"delivery_id" bigint PRIMARY KEY NOT NULL,
	"warning_id" uuid NOT NULL,
	"platform_id" uuid NOT NULL,
	"msg_type" smallint NOT NULL,
	"villages" text[] NOT NULL,
	"ebm_id" text,
	"ebd_id" text,
	"related_ebm_id" text,
	"result_code" smallint,
	"result_desc" text,
	"brd_state_code" smallint,
	"brd_state_desc" text,
	"coverage" jsonb,
	"terminals" jsonb,
	"reported_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "eb_broadcasts_ebm_id_key" UNIQUE("ebm_id")
);
--> statement-breakpoint
CREATE TABLE "eb_ebm_days" (
	"day" text PRIMARY KEY NOT NULL,
	"last" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "eb_platforms" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"area_code" text NOT NULL,
	"url" text NOT NULL,
	"resource_code" text NOT NULL,
	"villages" text[],
	"signer" jsonb DEFAULT '{"kind":"none"}'::jsonb NOT NULL,
	"certificate" text,
	"options" jsonb NOT NULL,
	"heartbeat_seconds" integer DEFAULT 60 NOT NULL,
	"heartbeat_misses" smallint DEFAULT 3 NOT NULL,
	"state" "eb_platform_state" DEFAULT 'unknown' NOT NULL,
	"state_reason" text,
	"state_changed_at" timestamp (3) with time zone,
	"last_seen_at" timestamp (3) with time zone,
	"last_check_at" timestamp (3) with time zone,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "eb_platforms_resource_code_key" UNIQUE("resource_code")
);
--> statement-breakpoint
CREATE INDEX "eb_broadcasts_warning_id_idx" ON "eb_broadcasts" USING btree ("warning_id");--> statement-breakpoint
CREATE INDEX "eb_broadcasts_open_idx" ON "eb_broadcasts" USING btree ("platform_id") WHERE "eb_broadcasts"."brd_state_code" is null or "eb_broadcasts"."brd_state_code" < 3;--> statement-breakpoint
CREATE INDEX "eb_platforms_area_code_idx" ON "eb_platforms" USING btree ("area_code");