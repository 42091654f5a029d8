// The coverage counters (DESIGN §7) are written by the statement that writes the
// deliveries, as data-modifying CTEs beside it, not by triggers: under Citus a trigger on a
// distributed table fires on the worker holding the shard, where counter tables and
// NOTIFY listeners are not, and a counter write that is part of the statement is one more
// step of the same (lane-scoped) query. Every statement that inserts a delivery or sets one
// of its stamps appends one of the chains below; test/deliveries/counters.test.ts recounts
// the ledger after a mixed workload and checks that no trigger is left on it.
//
// Counters are kept set-wise (one pass over the statement's rows); escalation deliveries
// reach officials, not the public, and are left out; upserts run in key order so two
// concurrent statements lock counter rows in the same order and cannot deadlock. A
// person's delivery is told from a device's by its target (recipient_id), not by channel
// name. Channel eb (DESIGN §12): one delivery per warning × county platform, counted in
// every targeted village the platform reaches (fixed in eb_broadcasts when planned).
import { sql, type SQL } from "drizzle-orm";

/** The stamps whose first setting moves a counter. */
const STAMPS = ["sent_at", "delivered_at", "acknowledged_at", "failed_at", "expired_at"] as const;

const oldStampList = (alias: string | null) =>
  STAMPS.map((s) => `${alias ? `${alias}.${s}` : "null::timestamptz"} as old_${s}`).join(", ");

/** A delivery's stamps as they were before the statement, named old_<stamp>, read from
 * `alias` (a row the statement locked first). */
export const oldStamps = (alias: string): SQL => sql.raw(oldStampList(alias));

/** What an UPDATE feeding countChanges returns: the row after (`d`) and its stamps before,
 * from `old` (a CTE of oldStamps) or null for rows known to have none: a queued or sending
 * row has no stamp, since every stamped state is past them and states only move forward. */
export const changedColumns = (old: string | null): SQL =>
  sql.raw(
    [
      "d.id, d.warning_id, d.village_code, d.channel, d.purpose, d.recipient_id, d.device_id",
      STAMPS.map((s) => `d.${s}`).join(", "),
      old === null ? oldStampList(null) : STAMPS.map((s) => `${old}.old_${s}`).join(", "),
    ].join(", "),
  );

/** The counters of newly planned rows; `rows` returns warning_id, village_code, channel,
 * purpose and failed_at (a row planned failed: no address). With `first`, the statement is
 * the first to count its warning's rows (its first plan: no counter of it exists, and no
 * other transaction writes one before this commits), so the counters are plain inserts:
 * no sort into lock order, no conflict check (a city's 10,000 devices: 103 → 89 ms of an
 * approve). A counter that did exist would fail the statement, never be counted twice. */
export const countPlanned = (rows: string, o: { first?: boolean } = {}): SQL =>
  sql.raw(`
    cov_planned as (
      insert into coverage_counts as cc (warning_id, village_code, channel, targeted, failed)
      select warning_id, village_code, channel, count(*), count(*) filter (where failed_at is not null)
      from ${rows} where purpose = 'warning' and channel <> 'eb'
      group by warning_id, village_code, channel
      ${
        o.first
          ? ""
          : `order by warning_id, village_code, channel
      on conflict (warning_id, village_code, channel) do update
        set targeted = cc.targeted + excluded.targeted, failed = cc.failed + excluded.failed`
      }
      returning 1
    )`);

/** The counters of newly planned eb broadcasts; `rows` returns warning_id and villages. */
export const countPlannedBroadcasts = (rows: string): SQL =>
  sql.raw(`
    cov_planned_eb as (
      insert into coverage_counts as cc (warning_id, village_code, channel, targeted)
      select n.warning_id, v.code, 'eb', count(*)
      from ${rows} n cross join unnest(n.villages) as v(code)
      group by 1, 2
      order by 1, 2
      on conflict (warning_id, village_code, channel) do update set targeted = cc.targeted + excluded.targeted
      returning 1
    )`);

/** The counters, people reached and coverage curve moved by changed rows; `rows` returns
 * changedColumns(). A stamp counts when it goes from null to set (`expired` also back). With `walked` (a CTE
 * returning warning_id, village_code, channel: rows a public walk wrote), each of those
 * rows also leaves `pending`, in the same upsert: two upserts of one counter row in one
 * statement would keep only one of them. */
export const countChanges = (rows: string, walked?: string): SQL =>
  sql.raw(`
    cov_ch as (
      select n.id, n.warning_id, n.village_code, n.channel, n.recipient_id, n.device_id,
        (n.old_sent_at is null and n.sent_at is not null)::int as d_sent,
        (n.old_delivered_at is null and n.delivered_at is not null)::int as d_delivered,
        (n.old_acknowledged_at is null and n.acknowledged_at is not null)::int as d_ack,
        (n.old_failed_at is null and n.failed_at is not null)::int as d_failed,
        -- An expiry can be undone (a device command whose frame was out before it:
        -- markDeviceCommandsSent); no other stamp is ever cleared.
        (n.old_expired_at is null and n.expired_at is not null)::int
          - (n.old_expired_at is not null and n.expired_at is null)::int as d_expired,
        -- A person is reached once a message is delivered (or confirmed); a device's
        -- audience only once it reports played/shown.
        case when n.recipient_id is not null
          then n.old_delivered_at is null and n.old_acknowledged_at is null
            and (n.delivered_at is not null or n.acknowledged_at is not null)
          else n.old_acknowledged_at is null and n.acknowledged_at is not null end as reached,
        coalesce(n.acknowledged_at, n.delivered_at) as at
      from ${rows} n
      where n.purpose = 'warning'
        and (n.old_sent_at is distinct from n.sent_at or n.old_delivered_at is distinct from n.delivered_at
          or n.old_acknowledged_at is distinct from n.acknowledged_at or n.old_failed_at is distinct from n.failed_at
          or n.old_expired_at is distinct from n.expired_at)
    ),
    cov_reach as (
      -- Device reach: declared reach, else the village population. An eb delivery counts
      -- once in each targeted village its platform reaches, like a loudspeaker there.
      -- Looked up per reached device row (the changed rows' own villages, never a scan of
      -- every warning's villages).
      select ch.id, ch.warning_id, coalesce(ev.village_code, ch.village_code) as village_code, ch.channel,
        ch.recipient_id, ch.device_id, ch.d_sent, ch.d_delivered, ch.d_ack, ch.d_failed, ch.d_expired, ch.reached, ch.at,
        case when not ch.reached then 0 when ch.device_id is null then 1
             else coalesce((select dv.reach from devices dv where dv.id = ch.device_id),
                           (select cv.population from coverage_villages cv where cv.warning_id = ch.warning_id
                              and cv.village_code = coalesce(ev.village_code, ch.village_code)), 0) end as people
      from cov_ch ch
      left join eb_broadcasts eb on ch.channel = 'eb' and eb.delivery_id = ch.id
      left join lateral unnest(eb.villages) as ev(village_code) on true
    ),
    cov_counts as (
      insert into coverage_counts as cc
        (warning_id, village_code, channel, sent, delivered, acknowledged, failed, expired, reached, pending)
      select warning_id, village_code, channel,
        sum(d_sent), sum(d_delivered), sum(d_ack), sum(d_failed), sum(d_expired), sum(people), sum(d_pending)
      from (
        select warning_id, village_code, channel, d_sent, d_delivered, d_ack, d_failed, d_expired, people,
          0 as d_pending from cov_reach
        ${walked ? `union all select warning_id, village_code, channel, 0, 0, 0, 0, 0, 0, -1 from ${walked}` : ""}
      ) moved group by warning_id, village_code, channel
      order by warning_id, village_code, channel
      on conflict (warning_id, village_code, channel) do update set
        sent = cc.sent + excluded.sent, delivered = cc.delivered + excluded.delivered,
        acknowledged = cc.acknowledged + excluded.acknowledged, failed = cc.failed + excluded.failed,
        expired = cc.expired + excluded.expired, reached = cc.reached + excluded.reached,
        pending = cc.pending + excluded.pending
      returning 1
    ),
    -- People reached per village, each person once whatever the channel (DESIGN §7): a
    -- person counts when their first row lands in coverage_persons.
    cov_persons as (
      insert into coverage_persons (warning_id, recipient_id, village_code)
      select distinct warning_id, recipient_id, village_code from cov_reach
      where reached and recipient_id is not null
      order by warning_id, recipient_id
      on conflict do nothing
      returning warning_id, village_code
    ),
    cov_gains as (
      select warning_id, village_code, sum(p) as p, sum(dr) as dr from (
        select warning_id, village_code, count(*) as p, 0 as dr from cov_persons group by 1, 2
        union all
        select warning_id, village_code, 0, sum(people) from cov_reach where reached and device_id is not null group by 1, 2
      ) g group by 1, 2
    ),
    cov_villages as (
      insert into coverage_villages as cv (warning_id, village_code, population, persons_reached, device_reach)
      select warning_id, village_code, 0, p, dr from cov_gains order by warning_id, village_code
      on conflict (warning_id, village_code) do update
        set persons_reached = cv.persons_reached + excluded.persons_reached,
          device_reach = cv.device_reach + excluded.device_reach
      returning cv.warning_id, cv.village_code, cv.population, cv.persons_reached + cv.device_reach as now_raw
    ),
    cov_capped as (
      select v.warning_id,
        sum(least(v.population, v.now_raw) - least(v.population, v.now_raw - g.p - g.dr)) as delta
      from cov_villages v join cov_gains g using (warning_id, village_code) group by 1
    ),
    -- The coverage curve: capped reach gained, stamped with the batch's latest event time.
    cov_timeline as (
      insert into coverage_timeline as ct (warning_id, at, reached_delta)
      select c.warning_id, date_trunc('second', m.at), c.delta
      from cov_capped c join (select warning_id, max(at) as at from cov_ch where reached group by 1) m using (warning_id)
      where c.delta > 0
      order by 1, 2
      on conflict (warning_id, at) do update set reached_delta = ct.reached_delta + excluded.reached_delta
      returning 1
    )`);
