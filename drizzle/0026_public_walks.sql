-- The public as walks (issue 17): a county's public is planned as one row per county and
-- channel (public_walks) with its people counted in coverage_counts.pending, and the claim
-- writes their deliveries batch by batch, walking recipients in (village_code, id) order:
-- the village index gains the id so the walk resumes by index.
CREATE TABLE "public_walks" (
	"warning_id" uuid NOT NULL,
	"lane" text NOT NULL,
	"channel" "channel" NOT NULL,
	"issued_at" timestamp (3) with time zone NOT NULL,
	"priority" smallint NOT NULL,
	"level_rank" smallint NOT NULL,
	"queued_at" timestamp (3) with time zone NOT NULL,
	"base" bigint NOT NULL,
	"planned" integer NOT NULL,
	"ids" integer NOT NULL,
	"taken" integer DEFAULT 0 NOT NULL,
	"after_village" text DEFAULT '' NOT NULL,
	"after_id" bigint DEFAULT 0 NOT NULL,
	"done_at" timestamp (3) with time zone,
	CONSTRAINT "public_walks_pk" PRIMARY KEY("warning_id","lane","channel")
);
--> statement-breakpoint
DROP INDEX "recipients_village_code_idx";--> statement-breakpoint
ALTER TABLE "coverage_counts" ADD COLUMN "pending" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "public_walks_open_idx" ON "public_walks" USING btree ("channel","priority","level_rank","queued_at","lane") WHERE "public_walks"."done_at" is null;--> statement-breakpoint
CREATE INDEX "recipients_village_id_idx" ON "recipients" USING btree ("village_code","id");