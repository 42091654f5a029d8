DROP INDEX "deliveries_claim_idx";--> statement-breakpoint
ALTER TABLE "deliveries" ADD COLUMN "lane" text GENERATED ALWAYS AS (left(village_code, 6)) STORED NOT NULL;--> statement-breakpoint
CREATE INDEX "deliveries_claim_idx" ON "deliveries" USING btree ("channel","priority","level_rank","next_attempt_at","lane") WHERE "deliveries"."status" = 'queued';