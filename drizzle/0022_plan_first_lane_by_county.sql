-- The people who must act are now planned after the issuing transaction, county by county,
-- before the public (src/dispatch/plan-cursor.ts): a null cursor means "none of them yet".
-- A version still planning from before this change wrote them in its issuing transaction:
-- its cursor says so (the public phase, before its first county), so none is planned twice.
UPDATE warnings SET plan_cursor = '' WHERE plan_state = 'pending' AND msg_type <> 'Cancel' AND plan_cursor IS NULL;
