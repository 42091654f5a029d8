CREATE TYPE "public"."escalation_reason" AS ENUM('no_ack', 'device_offline');--> statement-breakpoint
CREATE TABLE "escalation_chains" (
	"warning_id" uuid NOT NULL,
	"village_code" text NOT NULL,
	"reason" "escalation_reason" NOT NULL,
	"step" smallint NOT NULL,
	"started_at" timestamp (3) with time zone NOT NULL,
	"step_at" timestamp (3) with time zone NOT NULL,
	"acknowledged_at" timestamp (3) with time zone,
	CONSTRAINT "escalation_chains_pk" PRIMARY KEY("warning_id","village_code")
);
--> statement-breakpoint
CREATE TABLE "cron_runs" (
	"key" text PRIMARY KEY NOT NULL,
	"owner" text NOT NULL,
	"claimed_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE INDEX "deliveries_acknowledged_idx" ON "deliveries" USING btree ("warning_id","village_code") WHERE "deliveries"."acknowledged_at" is not null;