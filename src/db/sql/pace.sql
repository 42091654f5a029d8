-- Shared pacing (src/dispatch/shared-bucket.ts): grants up to `want` sends of `ch` in the
-- current second of the database's clock, never more than `per_second` in that second
-- across every caller nor more than it can send in what is left of it, and says how long
-- that second still runs. Installed after the
-- migrations at every start (src/db/migrate.ts).
CREATE OR REPLACE FUNCTION take_pace(ch text, want int, per_second int, OUT got int, OUT ms_left int)
LANGUAGE plpgsql AS $$
DECLARE
	t timestamptz := clock_timestamp();
	s timestamptz := date_trunc('second', t);
	used int;
BEGIN
	INSERT INTO pace_grants (channel, second, granted) VALUES (ch, s, 0) ON CONFLICT DO NOTHING;
	SELECT granted INTO used FROM pace_grants WHERE channel = ch AND second = s FOR UPDATE;
	ms_left := greatest(1, ceil(extract(epoch FROM (s + interval '1 second' - t)) * 1000))::int;
	-- No more than the pace can send in what is left of the second: a grant lapses with its
	-- second, and a block granted near its end was mostly lost (~2.5% of a 5,000/s pace).
	got := greatest(0, least(want, per_second - used, ceil(per_second * ms_left / 1000.0)::int));
	IF got > 0 THEN
		UPDATE pace_grants SET granted = used + got WHERE channel = ch AND second = s;
	END IF;
END $$;
