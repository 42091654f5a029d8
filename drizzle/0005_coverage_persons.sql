CREATE TABLE "coverage_persons" (
	"warning_id" uuid NOT NULL,
	"recipient_id" bigint NOT NULL,
	"village_code" text NOT NULL,
	CONSTRAINT "coverage_persons_pk" PRIMARY KEY("warning_id","recipient_id")
);
--> statement-breakpoint
DROP INDEX "deliveries_warning_recipient_channel_idx";--> statement-breakpoint
CREATE INDEX "deliveries_warning_id_idx" ON "deliveries" USING btree ("warning_id");