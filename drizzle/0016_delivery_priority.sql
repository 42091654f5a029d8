DROP INDEX "deliveries_claim_idx";--> statement-breakpoint
ALTER TABLE "deliveries" ADD COLUMN "priority" smallint DEFAULT 1 NOT NULL;--> statement-breakpoint
CREATE INDEX "deliveries_claim_idx" ON "deliveries" USING btree ("channel","priority","level_rank","next_attempt_at") WHERE "deliveries"."status" = 'queued';