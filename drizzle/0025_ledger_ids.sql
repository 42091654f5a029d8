-- Delivery ids without a sequence (issue 17: under Citus a sequence on a fan-out table pulls
-- every planned row through the coordinator). A delivery's id is its warning's ledger_no
-- × 2^26 plus its place among the warning's rows (src/deliveries/ledger-ids.ts), numbered
-- by the writing statement under the lock of the warning's delivery_ledgers row. Warnings (a
-- small reference table) keep a sequence for their own number. Existing ids stay: the first
-- ledger_no starts above every id already given, so no new id can meet an old one.
CREATE SEQUENCE "warning_ledger_no" AS bigint;--> statement-breakpoint
SELECT setval('warning_ledger_no', (coalesce((SELECT max(id) FROM deliveries), 0) >> 26) + 1, false);--> statement-breakpoint
CREATE TABLE "delivery_ledgers" (
	"warning_id" uuid PRIMARY KEY NOT NULL,
	"rows" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "delivery_ledgers_rows_check" CHECK ("delivery_ledgers"."rows" between 0 and 67108863)
);
--> statement-breakpoint
ALTER TABLE "deliveries" ALTER COLUMN "id" DROP DEFAULT;--> statement-breakpoint
DROP SEQUENCE IF EXISTS "delivery_ids";--> statement-breakpoint
ALTER TABLE "warnings" ADD COLUMN "ledger_no" bigint DEFAULT nextval('warning_ledger_no') NOT NULL;--> statement-breakpoint
ALTER SEQUENCE "warning_ledger_no" OWNED BY "warnings"."ledger_no";--> statement-breakpoint
ALTER TABLE "warnings" ADD CONSTRAINT "warnings_ledger_no_key" UNIQUE("ledger_no");--> statement-breakpoint
-- Every warning issued so far may still get rows (late joiners, 叫应): its numbering starts
-- at 1 in its own new block.
INSERT INTO delivery_ledgers (warning_id) SELECT id FROM warnings WHERE issued_at IS NOT NULL;
