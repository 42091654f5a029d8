// 叫应 chains in SQL (DESIGN §8). Every step's messages are created set-based: one
// INSERT … SELECT turns the chains that reached a step into delivery rows (purpose
// 'escalation', escalation_step = step), which the ordinary dispatcher sends. Each
// function is idempotent for a given instant: run twice, the second creates nothing.
import { sql, type SQL } from "drizzle-orm";
import type { Db } from "../client.js";
import type { Level } from "../../domain/vocabulary.js";
import { DISPATCH_PRIORITY, LEVEL_RANK, PERSON_CHANNELS, RESPONSIBLE_AUDIENCES } from "../../domain/vocabulary.js";
import { LAST_STEP } from "../../domain/escalation.js";
import { inForceSql } from "../../warnings/lifecycle.js";
import { advanceLedger, ledgerId, lockLedger } from "../../deliveries/ledger-ids.js";
import { failDeliveries } from "../../deliveries/fail.js";

export type Deadlines = Record<Level, number | null>;
export interface ChainStep {
  warningId: string;
  villageCode: string;
  step: number;
  reason: string;
}
type Raw = { warning_id: string; village_code: string; step: number; reason: string; messages: number };

const RESPONSIBLE = sql`${sql.param([...RESPONSIBLE_AUDIENCES])}::text[]`;
// Literal, matching recipients_officials_idx's predicate so the planner can use it.
const OFFICIALS = sql.raw(`'{township_official,county_official}'::text[]`);
const deadlineOf = (d: Deadlines, level: SQL) => sql`(${JSON.stringify(d)}::jsonb ->> (${level})::text)::int`;
// In force: the issued version of its thread, before its expiry. Cancels have no chain.
const inForce = (alias: "w", at: string) => {
  const a = sql.raw(alias);
  return sql`${inForceSql(alias, at)} and ${a}.msg_type <> 'Cancel' and ${a}.issued_at <= ${at}::timestamptz`;
};

/** Serialises the 叫应 jobs of all instances for one transaction (step checks and inserts
 * must not interleave). */
export async function lockEscalations(tx: Db): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext('warncast:escalation'))`);
}

/**
 * Messages for the chains in `due` (columns warning_id, village_code, step, reason):
 * step 1 primary and step 2 backup posts of the village, step 3 township officials of its
 * township, step 4 county officials of its county. SMS to everyone (a person without a
 * phone becomes a failed row, never a silent gap), email to those who have one. A
 * primary post that already got the warning itself is not messaged again at step 1 of an
 * ordinary chain; a device_offline chain asks every primary to broadcast by hand.
 */
function withStepMessages(due: SQL, at: string) {
  // Codes are fixed-width digit strings, so a township's villages are one index range.
  return sql`
    with due as (${due}),
    people as (
      select due.warning_id, due.village_code, due.step, due.reason, r.id, r.phone, r.email, r.language
      from due join recipients r on r.village_code = due.village_code
      where due.step in (1, 2) and r.role is not null and r.active and r.audiences && ${RESPONSIBLE}
        and r.role = (case due.step when 1 then 'primary' else 'backup' end)::post_role
      union all
      select due.warning_id, due.village_code, due.step, due.reason, r.id, r.phone, r.email, r.language
      from due join recipients r on r.village_code between left(due.village_code, 9) || '000' and left(due.village_code, 9) || '999'
      where due.step = 3 and r.active and r.audiences && ${OFFICIALS} and r.audiences @> '{township_official}'
      union all
      select due.warning_id, due.village_code, due.step, due.reason, r.id, r.phone, r.email, r.language
      from due join recipients r on r.village_code between left(due.village_code, 6) || '000000' and left(due.village_code, 6) || '999999'
      where due.step = 4 and r.active and r.audiences && ${OFFICIALS} and r.audiences @> '{county_official}'
    ),
    ${lockLedger(sql`select warning_id from due`)},
    ins as (
      insert into deliveries (id, warning_id, issued_at, channel, purpose, escalation_step, recipient_id, village_code, address,
                              language, level_rank, priority, status, queued_at, next_attempt_at, failed_at, error_code, error)
      select ${ledgerId("l", sql`row_number() over (partition by p.warning_id)`)}, p.warning_id, coalesce(w.issued_at, ${at}::timestamptz), ch.kind::channel, 'escalation', p.step, p.id, p.village_code, ch.addr, p.language,
             (${JSON.stringify(LEVEL_RANK)}::jsonb ->> w.level::text)::smallint,
             ${DISPATCH_PRIORITY.responsible}::smallint,
             case when ch.addr is null then 'failed' else 'queued' end::delivery_status,
             ${at}::timestamptz, ${at}::timestamptz,
             case when ch.addr is null then ${at}::timestamptz end,
             case when ch.addr is null then 'no_address' end,
             case when ch.addr is null then 'recipient has no phone' end
      from people p
      join warnings w on w.id = p.warning_id
      left join ledger l on l.id = p.warning_id
      cross join lateral (values ('sms', p.phone), ('email', p.email)) ch(kind, addr)
      where (ch.kind = 'sms' or p.email is not null)
        and not (p.step = 1 and p.reason = 'no_ack' and exists (
          select 1 from deliveries d where d.warning_id = p.warning_id and d.recipient_id = p.id
            -- text[], a type every connection knows: an enum array type is learnt per
            -- connection when it connects (src/db/migrate.ts migrateDatabase).
            and d.purpose = 'warning' and d.channel = any(${sql.param([...PERSON_CHANNELS])}::text[]::channel[])
            and d.status <> 'failed'))
        and not exists (
          select 1 from deliveries d where d.warning_id = p.warning_id and d.recipient_id = p.id and d.purpose = 'escalation'
            and d.escalation_step = p.step and d.village_code = p.village_code and d.channel = ch.kind::channel)
      returning warning_id, village_code, escalation_step
    ),
    ${advanceLedger("ins")}`;
}

// Messages per chain: the inserted rows counted once, joined back (a per-chain subquery
// over them was quadratic: 3.8 s for a city-wide step).
const stepRows = sql`
  select due.warning_id, due.village_code, due.step, due.reason::text as reason, coalesce(n.n, 0)::int as messages
  from due left join (select warning_id, village_code, escalation_step, count(*) as n from ins group by 1, 2, 3) n
    on n.warning_id = due.warning_id and n.village_code = due.village_code and n.escalation_step = due.step
  order by due.warning_id, due.village_code`;

const toSteps = (rows: Raw[]) =>
  rows.map((r) => ({
    warningId: r.warning_id,
    villageCode: r.village_code,
    step: r.step,
    reason: r.reason,
    messages: r.messages,
  }));

/** A chain for every targeted village of every warning in force whose level has a
 * deadline, started at its issue time at step 1 (the primary posts). */
export async function startChains(tx: Db, at: Date, deadlines: Deadlines) {
  const t = at.toISOString();
  const rows = await tx.execute<Raw>(sql`
    ${withStepMessages(
      sql`
      insert into escalation_chains (warning_id, village_code, reason, step, started_at, step_at)
      select w.id, cv.village_code, 'no_ack', 1, w.issued_at, w.issued_at
      from warnings w join coverage_villages cv on cv.warning_id = w.id
      where ${inForce("w", t)} and ${deadlineOf(deadlines, sql`w.level`)} is not null
        and not exists (select 1 from escalation_chains c where c.warning_id = cv.warning_id and c.village_code = cv.village_code)
      on conflict do nothing
      returning warning_id, village_code, step, reason`,
      t,
    )}
    ${stepRows}`);
  return toSteps(rows);
}

/** Chains where a responsible person confirmed (a primary/backup post's own warning, or
 * any 叫应 message of that village) stop; whatever marked the row acknowledged (staff
 * API, SMS reply) counts, since only the deliveries' state is read. A loudspeaker's
 * `played` is not a person confirming and does not stop a chain. */
export async function stopAcknowledged(tx: Db, at: Date) {
  const t = at.toISOString();
  const rows = await tx.execute<{
    warning_id: string;
    village_code: string;
    acknowledged_at: Date | string;
    step: number;
  }>(sql`
    with open as (
      select c.warning_id, c.village_code, c.started_at from escalation_chains c join warnings w on w.id = c.warning_id
      where c.acknowledged_at is null and ${inForce("w", t)}
    ),
    acks as (
      select o.warning_id, o.village_code, min(d.acknowledged_at) as at
      from open o
      join deliveries d on d.warning_id = o.warning_id and d.village_code = o.village_code and d.acknowledged_at is not null
      left join recipients r on r.id = d.recipient_id
      where d.recipient_id is not null and d.acknowledged_at >= o.started_at and d.acknowledged_at <= ${t}::timestamptz
        and (d.purpose = 'escalation' or r.audiences && ${RESPONSIBLE})
      group by 1, 2
    )
    update escalation_chains c set acknowledged_at = acks.at
    from acks where c.warning_id = acks.warning_id and c.village_code = acks.village_code and c.acknowledged_at is null
    returning c.warning_id, c.village_code, c.acknowledged_at, c.step`);
  return rows.map((r) => ({
    warningId: r.warning_id,
    villageCode: r.village_code,
    step: r.step,
    acknowledgedAt: new Date(r.acknowledged_at),
  }));
}

/** Open chains whose step's deadline has passed move one step on (now), and that step's
 * people are messaged, in one statement. */
export async function advanceChains(tx: Db, at: Date, deadlines: Deadlines) {
  const t = at.toISOString();
  const rows = await tx.execute<Raw>(sql`
    ${withStepMessages(
      sql`
      update escalation_chains c set step = c.step + 1, step_at = ${t}::timestamptz
      from warnings w
      where w.id = c.warning_id and ${inForce("w", t)} and c.acknowledged_at is null and c.step < ${LAST_STEP}
        and ${deadlineOf(deadlines, sql`w.level`)} is not null
        and c.step_at + ${deadlineOf(deadlines, sql`w.level`)} * interval '1 minute' <= ${t}::timestamptz
      returning c.warning_id, c.village_code, c.step, c.reason`,
      t,
    )}
    ${stepRows}`);
  return toSteps(rows);
}

/** Loudspeakers count as up unless offline for longer than this: a reconnect blip must
 * not fail a command that the hub is about to replay. */
export const SILENCE_GRACE_MS = 2 * 60_000;

/**
 * Dead-loudspeaker fallback: for each warning in force that uses loudspeakers or county
 * broadcast platforms, the targeted villages where none has played it and none that is
 * up still holds it (no loudspeaker at all, all offline, the command failed, the
 * platform reaching it down or refusing). Their open loudspeaker
 * deliveries fail with `device_offline` (so coverage shows them failed) and their chain
 * starts at once — or turns into a device_offline chain — asking every primary post to
 * broadcast by hand. Once per warning × village.
 */
export async function startLoudspeakerFallback(tx: Db, at: Date) {
  const t = at.toISOString();
  // Each warning's device rows are read once (villages with a loudspeaker up), then
  // anti-joined: per-village probes were quadratic in the number of loudspeakers.
  const silent = sql`
    with lw as (
      select w.id from warnings w
      where ${inForce("w", t)} and 'public' = any(w.audiences)
        and ('loudspeaker' = any(w.channels) or 'eb' = any(w.channels))
    ),
    up as (
      select distinct d.warning_id, d.village_code from deliveries d join devices dv on dv.id = d.device_id
      where d.warning_id in (select id from lw) and d.device_id is not null and d.channel = 'loudspeaker'
        and (d.status = 'acknowledged' or (d.status not in ('failed', 'expired') and dv.revoked_at is null
             and (dv.online or dv.last_seen > ${t}::timestamptz - ${SILENCE_GRACE_MS} * interval '1 millisecond')))
      union
      -- A village a county broadcast platform reaches (DESIGN §12) is covered while the
      -- platform is not down and holds the broadcast, or once it reported it played.
      select b.warning_id, v.code from eb_broadcasts b
      join deliveries d on d.id = b.delivery_id
      join eb_platforms p on p.id = b.platform_id
      cross join unnest(b.villages) as v(code)
      where b.warning_id in (select id from lw) and b.msg_type = 1
        and (d.status = 'acknowledged' or (d.status not in ('failed', 'expired') and p.state <> 'down' and p.active))
    )
    select cv.warning_id, cv.village_code from coverage_villages cv
    where cv.warning_id in (select id from lw)
      and not exists (select 1 from escalation_chains c where c.warning_id = cv.warning_id and c.village_code = cv.village_code and c.reason = 'device_offline')
      and not exists (select 1 from up where up.warning_id = cv.warning_id and up.village_code = cv.village_code)`;
  // A down platform's open broadcasts fail first, naming why (DESIGN §12).
  const ebFailed = await failDeliveries(tx, {
    from: sql`eb_platforms p, warnings w`,
    where: sql`d.channel = 'eb' and d.purpose = 'warning' and d.device_id = p.id and p.state = 'down'
      and w.id = d.warning_id and ${inForce("w", t)} and d.status in ('queued', 'sending', 'sent', 'delivered')`,
    code: "eb_platform_down",
    error: sql`'county broadcast platform down: ' || coalesce(p.state_reason, 'no heartbeat')`,
    at: t,
  });
  const failed = await failDeliveries(tx, {
    from: sql`(${silent}) v`,
    where: sql`d.warning_id = v.warning_id and d.village_code = v.village_code and d.device_id is not null
      and d.channel = 'loudspeaker' and d.status in ('queued', 'sending', 'sent')`,
    code: "device_offline",
    error: "no loudspeaker online in the village; broadcast by hand requested",
    at: t,
  });
  const rows = await tx.execute<Raw>(sql`
    ${withStepMessages(
      sql`
      insert into escalation_chains as c (warning_id, village_code, reason, step, started_at, step_at)
      select warning_id, village_code, 'device_offline', 1, ${t}::timestamptz, ${t}::timestamptz from (${silent}) v
      on conflict (warning_id, village_code) do update set
        reason = 'device_offline',
        -- A chain already confirmed starts again: the confirmation was for the warning,
        -- not for broadcasting it by hand. A running chain keeps its clock and step.
        started_at = case when c.acknowledged_at is null then c.started_at else excluded.started_at end,
        step = case when c.acknowledged_at is null then c.step else 1 end,
        step_at = case when c.acknowledged_at is null then c.step_at else excluded.step_at end,
        acknowledged_at = null
      returning c.warning_id, c.village_code, 1 as step, c.reason`,
      t,
    )}
    ${stepRows}`);
  return { devicesFailed: failed + ebFailed, villages: toSteps(rows) };
}
