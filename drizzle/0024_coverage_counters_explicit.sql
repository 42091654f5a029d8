-- The coverage counters are written by the statements that write deliveries
-- (src/deliveries/coverage.ts), not by triggers: under Citus a trigger on a distributed
-- table fires on a worker, away from the counters' other readers (issue 17). Every
-- instance must run this version before the triggers go: an older instance's writes
-- would no longer be counted.
DROP TRIGGER IF EXISTS deliveries_coverage_insert ON deliveries;--> statement-breakpoint
DROP TRIGGER IF EXISTS deliveries_coverage_update ON deliveries;--> statement-breakpoint
DROP TRIGGER IF EXISTS eb_broadcasts_coverage_insert ON eb_broadcasts;--> statement-breakpoint
DROP FUNCTION IF EXISTS coverage_on_insert();--> statement-breakpoint
DROP FUNCTION IF EXISTS coverage_on_update();--> statement-breakpoint
DROP FUNCTION IF EXISTS eb_coverage_on_insert();
