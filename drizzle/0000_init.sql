CREATE TYPE "public"."area_kind" AS ENUM('province', 'city', 'county', 'township', 'village', 'grid');--> statement-breakpoint
CREATE TYPE "public"."channel" AS ENUM('sms', 'loudspeaker', 'display', 'email');--> statement-breakpoint
CREATE TYPE "public"."delivery_purpose" AS ENUM('warning', 'escalation');--> statement-breakpoint
CREATE TYPE "public"."delivery_status" AS ENUM('queued', 'sending', 'sent', 'delivered', 'acknowledged', 'failed', 'expired');--> statement-breakpoint
CREATE TYPE "public"."device_kind" AS ENUM('loudspeaker', 'display');--> statement-breakpoint
CREATE TYPE "public"."language" AS ENUM('zh', 'mn', 'en');--> statement-breakpoint
CREATE TYPE "public"."warning_level" AS ENUM('red', 'orange', 'yellow', 'blue');--> statement-breakpoint
CREATE TYPE "public"."msg_type" AS ENUM('Alert', 'Update', 'Cancel');--> statement-breakpoint
CREATE TYPE "public"."post_role" AS ENUM('primary', 'backup');--> statement-breakpoint
CREATE TYPE "public"."user_role" AS ENUM('issuer', 'approver', 'admin', 'viewer');--> statement-breakpoint
CREATE TYPE "public"."warning_status" AS ENUM('draft', 'pending', 'approved', 'issued', 'updated', 'cancelled', 'expired');--> statement-breakpoint
CREATE TABLE "areas" (
	"code" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"kind" "area_kind" NOT NULL,
	"parent_code" text,
	"population" integer,
	"population_basis" text,
	"households" integer,
	"lat" double precision,
	"lon" double precision,
	"boundary" jsonb
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"role" "user_role" NOT NULL,
	"area_scope" text NOT NULL,
	"key_hash" text NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_key_hash_key" UNIQUE("key_hash")
);
--> statement-breakpoint
CREATE TABLE "recipients" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "recipients_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"name" text NOT NULL,
	"phone" text,
	"email" text,
	"area_code" text NOT NULL,
	"village_code" text NOT NULL,
	"audiences" text[] NOT NULL,
	"language" "language" DEFAULT 'zh' NOT NULL,
	"role" "post_role",
	"active" boolean DEFAULT true NOT NULL,
	"synthetic" boolean DEFAULT false NOT NULL,
	"dedupe_key" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "recipients_dedupe_key_key" UNIQUE("dedupe_key")
);
--> statement-breakpoint
CREATE TABLE "devices" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" "device_kind" NOT NULL,
	"name" text NOT NULL,
	"area_code" text NOT NULL,
	"village_code" text NOT NULL,
	"token_hash" text NOT NULL,
	"reach" integer,
	"languages" text[] DEFAULT '{"zh"}' NOT NULL,
	"online" boolean DEFAULT false NOT NULL,
	"last_seen" timestamp (3) with time zone,
	"firmware" text,
	"revoked_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "devices_token_hash_key" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "warnings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"identifier" text NOT NULL,
	"sender" text NOT NULL,
	"sender_name" text NOT NULL,
	"thread_id" uuid NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"supersedes_id" uuid,
	"msg_type" "msg_type" DEFAULT 'Alert' NOT NULL,
	"type" text NOT NULL,
	"level" "warning_level" NOT NULL,
	"urgency" text DEFAULT 'Expected' NOT NULL,
	"certainty" text DEFAULT 'Likely' NOT NULL,
	"headline" text NOT NULL,
	"description" text NOT NULL,
	"instruction" text DEFAULT '' NOT NULL,
	"area_codes" text[] NOT NULL,
	"polygons" jsonb,
	"audiences" text[] NOT NULL,
	"channels" text[] NOT NULL,
	"onset" timestamp (3) with time zone,
	"expires" timestamp (3) with time zone NOT NULL,
	"send_at" timestamp (3) with time zone,
	"status" "warning_status" DEFAULT 'draft' NOT NULL,
	"created_by" uuid NOT NULL,
	"approved_by" uuid,
	"submitted_at" timestamp (3) with time zone,
	"approved_at" timestamp (3) with time zone,
	"issued_at" timestamp (3) with time zone,
	"ended_at" timestamp (3) with time zone,
	"reject_reason" text,
	"note" text,
	"source" jsonb,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "warnings_identifier_key" UNIQUE("identifier")
);
--> statement-breakpoint
CREATE TABLE "deliveries" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "deliveries_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"warning_id" uuid NOT NULL,
	"channel" "channel" NOT NULL,
	"purpose" "delivery_purpose" DEFAULT 'warning' NOT NULL,
	"recipient_id" bigint,
	"device_id" uuid,
	"village_code" text NOT NULL,
	"address" text,
	"language" "language" DEFAULT 'zh' NOT NULL,
	"level_rank" smallint NOT NULL,
	"escalation_step" smallint,
	"status" "delivery_status" DEFAULT 'queued' NOT NULL,
	"attempts" smallint DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"lease_until" timestamp (3) with time zone,
	"lease_owner" text,
	"provider_id" text,
	"error_code" text,
	"error" text,
	"queued_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"claimed_at" timestamp (3) with time zone,
	"sent_at" timestamp (3) with time zone,
	"delivered_at" timestamp (3) with time zone,
	"acknowledged_at" timestamp (3) with time zone,
	"failed_at" timestamp (3) with time zone,
	"expired_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "coverage_counts" (
	"warning_id" uuid NOT NULL,
	"village_code" text NOT NULL,
	"channel" "channel" NOT NULL,
	"targeted" integer DEFAULT 0 NOT NULL,
	"sent" integer DEFAULT 0 NOT NULL,
	"delivered" integer DEFAULT 0 NOT NULL,
	"acknowledged" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"expired" integer DEFAULT 0 NOT NULL,
	"reached" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "coverage_counts_pk" PRIMARY KEY("warning_id","village_code","channel")
);
--> statement-breakpoint
CREATE TABLE "coverage_timeline" (
	"warning_id" uuid NOT NULL,
	"at" timestamp (3) with time zone NOT NULL,
	"reached_delta" bigint NOT NULL,
	CONSTRAINT "coverage_timeline_pk" PRIMARY KEY("warning_id","at")
);
--> statement-breakpoint
CREATE TABLE "coverage_villages" (
	"warning_id" uuid NOT NULL,
	"village_code" text NOT NULL,
	"population" integer NOT NULL,
	"persons_reached" integer DEFAULT 0 NOT NULL,
	"device_reach" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "coverage_villages_pk" PRIMARY KEY("warning_id","village_code")
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "audit_log_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"actor" text NOT NULL,
	"actor_kind" text NOT NULL,
	"action" text NOT NULL,
	"subject_type" text NOT NULL,
	"subject_id" text NOT NULL,
	"before" jsonb,
	"after" jsonb,
	"request_id" text
);
--> statement-breakpoint
ALTER TABLE "warnings" ADD CONSTRAINT "warnings_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "warnings" ADD CONSTRAINT "warnings_approved_by_users_id_fk" FOREIGN KEY ("approved_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "areas_parent_code_idx" ON "areas" USING btree ("parent_code");--> statement-breakpoint
CREATE INDEX "areas_kind_idx" ON "areas" USING btree ("kind");--> statement-breakpoint
CREATE INDEX "recipients_village_code_idx" ON "recipients" USING btree ("village_code");--> statement-breakpoint
CREATE INDEX "recipients_area_code_idx" ON "recipients" USING btree ("area_code");--> statement-breakpoint
CREATE INDEX "devices_village_code_idx" ON "devices" USING btree ("village_code");--> statement-breakpoint
CREATE INDEX "warnings_status_idx" ON "warnings" USING btree ("status");--> statement-breakpoint
CREATE INDEX "warnings_thread_id_idx" ON "warnings" USING btree ("thread_id");--> statement-breakpoint
CREATE INDEX "warnings_created_at_idx" ON "warnings" USING btree ("created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "deliveries_warning_recipient_channel_idx" ON "deliveries" USING btree ("warning_id","recipient_id","channel","purpose") WHERE "deliveries"."recipient_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "deliveries_warning_device_idx" ON "deliveries" USING btree ("warning_id","device_id") WHERE "deliveries"."device_id" is not null;--> statement-breakpoint
CREATE INDEX "deliveries_claim_idx" ON "deliveries" USING btree ("channel","level_rank","next_attempt_at") WHERE "deliveries"."status" = 'queued';--> statement-breakpoint
CREATE INDEX "deliveries_lease_idx" ON "deliveries" USING btree ("lease_until") WHERE "deliveries"."status" = 'sending';--> statement-breakpoint
CREATE INDEX "deliveries_provider_id_idx" ON "deliveries" USING btree ("provider_id") WHERE "deliveries"."provider_id" is not null;--> statement-breakpoint
CREATE INDEX "deliveries_device_open_idx" ON "deliveries" USING btree ("device_id") WHERE "deliveries"."device_id" is not null and "deliveries"."status" in ('queued','sending','sent','delivered');--> statement-breakpoint
CREATE INDEX "audit_log_subject_idx" ON "audit_log" USING btree ("subject_type","subject_id");--> statement-breakpoint
CREATE INDEX "audit_log_at_idx" ON "audit_log" USING btree ("at");