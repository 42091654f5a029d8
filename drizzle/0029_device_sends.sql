-- A warning's device commands sent before their rows are written (issue 17): the approve
-- of a city's loudspeakers and displays writes one row here instead of 10,000 deliveries,
-- and the hub in its process writes each command's row once, after its frame went out and
-- its receipt came back (src/deliveries/device-sends.ts). Transient: a row lives ~0.5 s.
CREATE TABLE "device_sends" (
	"warning_id" uuid PRIMARY KEY NOT NULL,
	"issued_at" timestamp (3) with time zone NOT NULL,
	"level_rank" smallint NOT NULL,
	"queued_at" timestamp (3) with time zone NOT NULL,
	"base" bigint NOT NULL,
	"devices" uuid[] NOT NULL,
	"unwritten" integer NOT NULL,
	"hold_until" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "device_sends_hold_idx" ON "device_sends" USING btree ("hold_until");