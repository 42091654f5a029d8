-- The coverage counters (DESIGN §7): the one source of the coverage trigger functions and
-- their triggers. Installed after the migrations at every start (src/db/migrate.ts), so a
-- change here is a change everywhere; migrations 0003, 0006 and 0013 hold earlier versions
-- only as history. Counters are kept set-wise: one trigger run per statement reading the
-- statement's transition tables, never one per row; escalation deliveries reach officials,
-- not the public, and are left out; upserts run in key order so two concurrent statements
-- lock counter rows in the same order and cannot deadlock.
--
-- A person's delivery is told from a device's by its target (recipient_id), not by channel
-- name: the planner fills exactly one target per row, so a new channel needs nothing here.
-- Channel eb (DESIGN §12): one delivery per warning × county platform, counted in every
-- targeted village the platform reaches. The villages are fixed in eb_broadcasts when the
-- delivery is planned, so the targeted count comes from that insert and status changes of
-- the one delivery row are spread over the same villages.
CREATE OR REPLACE FUNCTION coverage_on_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO coverage_counts AS cc (warning_id, village_code, channel, targeted, failed)
  SELECT warning_id, village_code, channel, count(*), count(*) FILTER (WHERE failed_at IS NOT NULL)
  FROM new_rows WHERE purpose = 'warning' AND channel <> 'eb'
  GROUP BY warning_id, village_code, channel
  ORDER BY warning_id, village_code, channel
  ON CONFLICT (warning_id, village_code, channel) DO UPDATE
    SET targeted = cc.targeted + excluded.targeted, failed = cc.failed + excluded.failed;
  RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION eb_coverage_on_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO coverage_counts AS cc (warning_id, village_code, channel, targeted)
  SELECT n.warning_id, v.code, 'eb', count(*)
  FROM new_rows n CROSS JOIN unnest(n.villages) AS v(code)
  GROUP BY 1, 2
  ORDER BY 1, 2
  ON CONFLICT (warning_id, village_code, channel) DO UPDATE SET targeted = cc.targeted + excluded.targeted;
  RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER eb_broadcasts_coverage_insert AFTER INSERT ON eb_broadcasts
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION eb_coverage_on_insert();
CREATE OR REPLACE FUNCTION coverage_on_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE $q$
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
      CASE WHEN n.recipient_id IS NOT NULL
        THEN o.delivered_at IS NULL AND o.acknowledged_at IS NULL
          AND (n.delivered_at IS NOT NULL OR n.acknowledged_at IS NOT NULL)
        ELSE o.acknowledged_at IS NULL AND n.acknowledged_at IS NOT NULL END AS reached,
      coalesce(n.acknowledged_at, n.delivered_at) AS at
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE n.purpose = 'warning'
      AND (o.sent_at IS DISTINCT FROM n.sent_at OR o.delivered_at IS DISTINCT FROM n.delivered_at
        OR o.acknowledged_at IS DISTINCT FROM n.acknowledged_at OR o.failed_at IS DISTINCT FROM n.failed_at
        OR o.expired_at IS DISTINCT FROM n.expired_at)
  ),
  reach AS (
    -- Device reach: declared reach, else the village population. An eb delivery is one
    -- per platform: it counts once in each targeted village the platform reaches, like a
    -- loudspeaker there (its device_id is the platform's, so no declared reach applies).
    SELECT ch.id, ch.warning_id, coalesce(ev.village_code, ch.village_code) AS village_code, ch.channel,
      ch.recipient_id, ch.device_id, ch.d_sent, ch.d_delivered, ch.d_ack, ch.d_failed, ch.d_expired, ch.reached, ch.at,
      CASE WHEN NOT ch.reached THEN 0 WHEN ch.device_id IS NULL THEN 1
           ELSE coalesce(dv.reach, cv.population, 0) END AS people
    FROM ch
    LEFT JOIN eb_broadcasts eb ON ch.channel = 'eb' AND eb.delivery_id = ch.id
    LEFT JOIN LATERAL unnest(eb.villages) AS ev(village_code) ON true
    LEFT JOIN devices dv ON dv.id = ch.device_id
    LEFT JOIN coverage_villages cv ON cv.warning_id = ch.warning_id
      AND cv.village_code = coalesce(ev.village_code, ch.village_code)
  ),
  counts AS (
    INSERT INTO coverage_counts AS cc
      (warning_id, village_code, channel, sent, delivered, acknowledged, failed, expired, reached)
    SELECT warning_id, village_code, channel,
      sum(d_sent), sum(d_delivered), sum(d_ack), sum(d_failed), sum(d_expired), sum(people)
    FROM reach GROUP BY warning_id, village_code, channel
    ORDER BY warning_id, village_code, channel
    ON CONFLICT (warning_id, village_code, channel) DO UPDATE SET
      sent = cc.sent + excluded.sent, delivered = cc.delivered + excluded.delivered,
      acknowledged = cc.acknowledged + excluded.acknowledged, failed = cc.failed + excluded.failed,
      expired = cc.expired + excluded.expired, reached = cc.reached + excluded.reached
  ),
  -- People reached per village, each person once whatever the channel (DESIGN §7):
  -- a person counts when their first row lands in coverage_persons.
  persons AS (
    INSERT INTO coverage_persons (warning_id, recipient_id, village_code)
    SELECT DISTINCT warning_id, recipient_id, village_code FROM reach
    WHERE reached AND recipient_id IS NOT NULL
    ORDER BY warning_id, recipient_id
    ON CONFLICT DO NOTHING
    RETURNING warning_id, village_code
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
      SET persons_reached = cv.persons_reached + excluded.persons_reached,
        device_reach = cv.device_reach + excluded.device_reach
    RETURNING cv.warning_id, cv.village_code, cv.population, cv.persons_reached + cv.device_reach AS now_raw
  ),
  capped AS (
    SELECT upd.warning_id,
      sum(least(upd.population, upd.now_raw) - least(upd.population, upd.now_raw - gains.p - gains.dr)) AS delta
    FROM upd JOIN gains USING (warning_id, village_code) GROUP BY 1
  )
  -- The coverage curve: capped reach gained, stamped with the batch's latest event time.
  INSERT INTO coverage_timeline AS ct (warning_id, at, reached_delta)
  SELECT capped.warning_id, date_trunc('second', m.at), capped.delta
  FROM capped JOIN (SELECT warning_id, max(at) AS at FROM ch WHERE reached GROUP BY 1) m USING (warning_id)
  WHERE capped.delta > 0
  ORDER BY 1, 2
  ON CONFLICT (warning_id, at) DO UPDATE SET reached_delta = ct.reached_delta + excluded.reached_delta
  $q$;
  RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER deliveries_coverage_insert AFTER INSERT ON deliveries
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_on_insert();

CREATE OR REPLACE TRIGGER deliveries_coverage_update AFTER UPDATE ON deliveries
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_on_update();
