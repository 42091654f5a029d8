-- Delivery states only move forward (DESIGN §5). The rank orders them; a transition is
-- applied only when it raises the rank, so late and repeated callbacks are no-ops.
-- failed ranks below delivered: a delivery report that arrives after a failure report
-- means the message did arrive.
CREATE OR REPLACE FUNCTION delivery_rank(s delivery_status) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE s
    WHEN 'queued' THEN 0 WHEN 'sending' THEN 1 WHEN 'sent' THEN 2 WHEN 'failed' THEN 3
    WHEN 'delivered' THEN 4 WHEN 'acknowledged' THEN 5 WHEN 'expired' THEN 6 END
$$;
--> statement-breakpoint

-- Coverage counters (DESIGN §7) kept current set-wise: one trigger run per statement,
-- reading the statement's transition tables, never one per row. Escalation deliveries
-- reach officials, not the public, and are left out. Upserts run in key order so two
-- concurrent statements lock counter rows in the same order and cannot deadlock.
CREATE OR REPLACE FUNCTION coverage_on_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO coverage_counts AS cc (warning_id, village_code, channel, targeted, failed)
  SELECT warning_id, village_code, channel, count(*), count(*) FILTER (WHERE failed_at IS NOT NULL)
  FROM new_rows WHERE purpose = 'warning'
  GROUP BY warning_id, village_code, channel
  ORDER BY warning_id, village_code, channel
  ON CONFLICT (warning_id, village_code, channel) DO UPDATE
    SET targeted = cc.targeted + excluded.targeted, failed = cc.failed + excluded.failed;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER deliveries_coverage_insert AFTER INSERT ON deliveries
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_on_insert();
--> statement-breakpoint

CREATE OR REPLACE FUNCTION coverage_on_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  -- One statement (data-modifying CTEs): no temp tables, one pass over the transition tables.
  WITH ch AS (
    SELECT n.id, n.warning_id, n.village_code, n.channel, n.recipient_id, n.device_id,
      (o.sent_at IS NULL AND n.sent_at IS NOT NULL)::int AS d_sent,
      (o.delivered_at IS NULL AND n.delivered_at IS NOT NULL)::int AS d_delivered,
      (o.acknowledged_at IS NULL AND n.acknowledged_at IS NOT NULL)::int AS d_ack,
      (o.failed_at IS NULL AND n.failed_at IS NOT NULL)::int AS d_failed,
      (o.expired_at IS NULL AND n.expired_at IS NOT NULL)::int AS d_expired,
      -- A person is reached once a message is delivered (or confirmed); a device's
      -- audience only once it reports played/shown.
      CASE WHEN n.channel IN ('sms', 'email')
        THEN o.delivered_at IS NULL AND o.acknowledged_at IS NULL AND (n.delivered_at IS NOT NULL OR n.acknowledged_at IS NOT NULL)
        ELSE o.acknowledged_at IS NULL AND n.acknowledged_at IS NOT NULL END AS reached,
      coalesce(n.acknowledged_at, n.delivered_at) AS at
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE n.purpose = 'warning'
      AND (o.sent_at IS DISTINCT FROM n.sent_at OR o.delivered_at IS DISTINCT FROM n.delivered_at
        OR o.acknowledged_at IS DISTINCT FROM n.acknowledged_at OR o.failed_at IS DISTINCT FROM n.failed_at
        OR o.expired_at IS DISTINCT FROM n.expired_at)
  ),
  reach AS (
    -- Device reach: declared reach, else the village population.
    SELECT ch.*, CASE WHEN NOT ch.reached THEN 0 WHEN ch.device_id IS NULL THEN 1
                      ELSE coalesce(dv.reach, cv.population, 0) END AS people
    FROM ch
    LEFT JOIN devices dv ON dv.id = ch.device_id
    LEFT JOIN coverage_villages cv ON cv.warning_id = ch.warning_id AND cv.village_code = ch.village_code
  ),
  counts AS (
    INSERT INTO coverage_counts AS cc (warning_id, village_code, channel, sent, delivered, acknowledged, failed, expired, reached)
    SELECT warning_id, village_code, channel, sum(d_sent), sum(d_delivered), sum(d_ack), sum(d_failed), sum(d_expired), sum(people)
    FROM reach GROUP BY warning_id, village_code, channel
    ORDER BY warning_id, village_code, channel
    ON CONFLICT (warning_id, village_code, channel) DO UPDATE SET
      sent = cc.sent + excluded.sent, delivered = cc.delivered + excluded.delivered,
      acknowledged = cc.acknowledged + excluded.acknowledged, failed = cc.failed + excluded.failed,
      expired = cc.expired + excluded.expired, reached = cc.reached + excluded.reached
  ),
  -- People reached per village, each person once whatever the channel (DESIGN §7).
  persons AS (
    SELECT DISTINCT r.warning_id, r.village_code, r.recipient_id FROM reach r
    WHERE r.reached AND r.recipient_id IS NOT NULL
      AND NOT EXISTS (
        SELECT 1 FROM deliveries d
        WHERE d.warning_id = r.warning_id AND d.recipient_id = r.recipient_id AND d.purpose = 'warning'
          AND d.id <> r.id AND d.channel IN ('sms', 'email')
          AND (d.delivered_at IS NOT NULL OR d.acknowledged_at IS NOT NULL)
          AND NOT EXISTS (SELECT 1 FROM ch x WHERE x.id = d.id))
  ),
  gains AS (
    SELECT warning_id, village_code, sum(p) AS p, sum(dr) AS dr FROM (
      SELECT warning_id, village_code, count(*) AS p, 0 AS dr FROM persons GROUP BY 1, 2
      UNION ALL
      SELECT warning_id, village_code, 0, sum(people) FROM reach WHERE reached AND device_id IS NOT NULL GROUP BY 1, 2
    ) g GROUP BY 1, 2
  ),
  upd AS (
    INSERT INTO coverage_villages AS cv (warning_id, village_code, population, persons_reached, device_reach)
    SELECT warning_id, village_code, 0, p, dr FROM gains ORDER BY warning_id, village_code
    ON CONFLICT (warning_id, village_code) DO UPDATE
      SET persons_reached = cv.persons_reached + excluded.persons_reached, device_reach = cv.device_reach + excluded.device_reach
    RETURNING cv.warning_id, cv.village_code, cv.population, cv.persons_reached + cv.device_reach AS now_raw
  ),
  capped AS (
    SELECT upd.warning_id, sum(least(upd.population, upd.now_raw) - least(upd.population, upd.now_raw - gains.p - gains.dr)) AS delta
    FROM upd JOIN gains USING (warning_id, village_code) GROUP BY 1
  )
  -- The coverage curve: capped reach gained, stamped with the batch's latest event time.
  INSERT INTO coverage_timeline AS ct (warning_id, at, reached_delta)
  SELECT capped.warning_id, date_trunc('second', m.at), capped.delta
  FROM capped JOIN (SELECT warning_id, max(at) AS at FROM ch WHERE reached GROUP BY 1) m USING (warning_id)
  WHERE capped.delta > 0
  ORDER BY 1, 2
  ON CONFLICT (warning_id, at) DO UPDATE SET reached_delta = ct.reached_delta + excluded.reached_delta;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER deliveries_coverage_update AFTER UPDATE ON deliveries
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_on_update();
--> statement-breakpoint

-- Ray casting on a closed ring of [lat, lon] pairs (CAP polygon order); no PostGIS needed
-- for a few thousand village centroids.
CREATE OR REPLACE FUNCTION point_in_ring(lat float8, lon float8, ring jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(sum(CASE WHEN ((y1 > lat) <> (y2 > lat)) AND (lon < (x2 - x1) * (lat - y1) / (y2 - y1) + x1)
                           THEN 1 ELSE 0 END) % 2 = 1, false)
  FROM (SELECT (ring->i->>0)::float8 AS y1, (ring->i->>1)::float8 AS x1,
               (ring->(i + 1)->>0)::float8 AS y2, (ring->(i + 1)->>1)::float8 AS x2
        FROM generate_series(0, jsonb_array_length(ring) - 2) AS i) e
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION in_polygons(lat float8, lon float8, polys jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT EXISTS (SELECT 1 FROM jsonb_array_elements(polys) r WHERE point_in_ring(lat, lon, r))
$$;
