-- Loudspeaker and display commands leave the claim index: the dispatcher never claims
-- them (the hub holding a device's socket reads its commands by warning or by device),
-- and a city-wide approve writes 10,000 of them before its first frame can go out. An eb
-- row's device_id is its platform's; it stays. Every claim names the same condition
-- (src/deliveries/claims.ts CLAIMABLE). The index holds only queued rows: a quick rebuild.
DROP INDEX "deliveries_claim_idx";--> statement-breakpoint
CREATE INDEX "deliveries_claim_idx" ON "deliveries" USING btree ("channel","priority","level_rank","next_attempt_at","lane") WHERE "deliveries"."status" = 'queued' and ("deliveries"."device_id" is null or "deliveries"."channel" = 'eb');
