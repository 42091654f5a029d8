// The dispatcher's queries: claim a batch (SKIP LOCKED + lease) from one lane (county):
// its queued rows, or the next people of its public walk (walks.ts); record outcomes in one
// statement, hand expired leases back, expire what can no longer be sent. The statements
// on a batch name its lane, so under Citus each runs on one shard.
import { inArray, sql } from "drizzle-orm";
import { warnings } from "../db/schema/index.js";
import type { Warning } from "../db/queries/warnings.js";
import type { Db } from "../db/client.js";
import type { ChannelKind, Language } from "../domain/vocabulary.js";
import { jsonRows } from "../db/json-rows.js";
import { changedColumns, countChanges } from "./coverage.js";
import { claimWalk, expireWalks, openWalkSql } from "./walks.js";

export interface ClaimedDelivery {
  id: number;
  warningId: string;
  recipientId: number | null;
  deviceId: string | null;
  villageCode: string;
  /** The batch's lane (county): every statement on the batch names it. */
  lane: string;
  address: string | null;
  language: Language;
  attempts: number;
  /** Set on 叫应 messages (purpose 'escalation'): the chain step. */
  escalationStep: number | null;
}

/** Where the next batch of a channel comes from: the lane (county), dispatch priority and
 * level of the most urgent due row, or of the most urgent open public walk (walks.ts),
 * whichever comes first in the claim order, across every lane: a plain read, no lock (on
 * Citus a multi-shard read is fine; a multi-shard FOR UPDATE is not). */
export interface LanePick {
  lane: string;
  priority: number;
  levelRank: number;
  /** The batch is written by the lane's walk rather than claimed from queued rows. */
  walk: boolean;
}

/** Rows the dispatcher claims: people's and county platforms' (an eb row's device_id is
 * its platform). Loudspeaker and display commands are the hub's. Written as the claim
 * index's own condition, so the planner can use that partial index. */
export const CLAIMABLE = sql.raw(`(device_id is null or channel = 'eb')`);

export async function pickLane(
  db: Db,
  o: { channel: ChannelKind; now: Date; notLanes?: string[] },
): Promise<LanePick | null> {
  const now = o.now.toISOString();
  const [r] = await db.execute<{ lane: string; priority: number; level_rank: number; walk: boolean }>(sql`
    select lane, priority, level_rank, walk from (
      (select lane, priority, level_rank, next_attempt_at as due, false as walk from deliveries
      where status = 'queued' and ${CLAIMABLE} and channel = ${o.channel} and next_attempt_at <= ${now}::timestamptz
        ${o.notLanes?.length ? sql`and lane <> all(${sql.param(o.notLanes)}::text[])` : sql``}
      order by priority, level_rank, next_attempt_at
      limit 1)
      union all
      (${openWalkSql({ channel: o.channel, now, ...(o.notLanes ? { notLanes: o.notLanes } : {}) })})
    ) next order by priority, level_rank, due, walk limit 1`);
  return r ? { lane: r.lane, priority: Number(r.priority), levelRank: Number(r.level_rank), walk: r.walk } : null;
}

/** A claim of one lane and one class (dispatch priority and level), by queued rows
 * (claimLane) or by a walk (walks.ts claimWalk). */
export interface ClassClaim {
  channel: ChannelKind;
  lane: string;
  priority: number;
  levelRank: number;
  limit: number;
  owner: string;
  now: Date;
  leaseMs: number;
}

/** Claims up to `limit` due rows of one lane and one class (dispatch priority and level):
 * a single-lane FOR UPDATE SKIP LOCKED, and a batch never mixes a later class in. */
export async function claimLane(db: Db, o: ClassClaim): Promise<ClaimedDelivery[]> {
  const now = o.now.toISOString();
  const rows = await db.execute<{
    id: string;
    warning_id: string;
    recipient_id: string | null;
    device_id: string | null;
    village_code: string;
    address: string | null;
    language: Language;
    attempts: number;
    escalation_step: number | null;
  }>(sql`
    with c as (
      select id from deliveries
      where status = 'queued' and ${CLAIMABLE} and channel = ${o.channel} and priority = ${o.priority}
        and level_rank = ${o.levelRank}
        and lane = ${o.lane} and next_attempt_at <= ${now}::timestamptz
      order by next_attempt_at
      limit ${o.limit}
      for update skip locked
    )
    update deliveries d set status = 'sending', attempts = d.attempts + 1, claimed_at = ${now}::timestamptz,
      lease_until = ${now}::timestamptz + ${o.leaseMs} * interval '1 millisecond', lease_owner = ${o.owner}
    from c where d.lane = ${o.lane} and d.id = c.id
    returning d.id, d.warning_id, d.recipient_id, d.device_id, d.village_code, d.address, d.language, d.attempts, d.escalation_step`);
  return rows.map((r) => ({
    id: Number(r.id),
    warningId: r.warning_id,
    recipientId: r.recipient_id === null ? null : Number(r.recipient_id),
    deviceId: r.device_id,
    villageCode: r.village_code,
    lane: o.lane,
    address: r.address,
    language: r.language,
    attempts: r.attempts,
    escalationStep: r.escalation_step === null ? null : Number(r.escalation_step),
  }));
}

/** A loop's current lane and class, kept while its batches come back full: one index walk
 * per batch instead of two. It lapses after `LANE_HOLD_MS` (a newly due red row anywhere
 * waits at most that long) and is dropped on every wake (runner.ts), so a new warning's
 * rows are looked for at once. */
export interface LaneHint {
  lane?: LanePick;
  until?: number;
}
const LANE_HOLD_MS = 200;

/** The next batch: the lane of the most urgent due row, red before yellow across the
 * city, then that lane's rows of the same class. When other claimers hold all of a lane's
 * due rows of that class, the next lane is tried (a few times) before giving up. */
export async function claimBatch(
  db: Db,
  o: { channel: ChannelKind; limit: number; owner: string; now: Date; leaseMs: number; hint?: LaneHint },
): Promise<ClaimedDelivery[]> {
  const { hint } = o;
  if (hint?.lane && (hint.until ?? 0) > performance.now()) {
    const { rows } = await claimFrom(db, { ...o, ...hint.lane });
    if (rows.length === o.limit) return rows;
    hint.lane = undefined;
    if (rows.length > 0) return rows;
  }
  const tried: string[] = [];
  for (let i = 0; i < 4; i++) {
    const top = await pickLane(db, { channel: o.channel, now: o.now, notLanes: tried });
    if (!top) return [];
    const { rows, ended } = await claimFrom(db, { ...o, ...top });
    if (rows.length > 0) {
      if (hint && rows.length === o.limit) Object.assign(hint, { lane: top, until: performance.now() + LANE_HOLD_MS });
      return rows;
    }
    // Walks that just ended leave the lane to pick again; a lane held by other claimers is
    // passed over.
    if (!ended) tried.push(top.lane);
  }
  return [];
}

/** A batch from the picked lane and class: its queued rows, or its walk's next people.
 * `ended`: the class's walks ended with nothing to send (the lane is worth a new pick). */
async function claimFrom(db: Db, o: ClassClaim & LanePick): Promise<{ rows: ClaimedDelivery[]; ended?: boolean }> {
  if (!o.walk) return { rows: await claimLane(db, o) };
  const { rows, ended } = await claimWalk(db, o);
  return {
    ended,
    rows: rows.map((r) => ({
      id: r.id,
      warningId: r.warningId,
      recipientId: r.recipientId,
      deviceId: null,
      villageCode: r.villageCode,
      lane: o.lane,
      address: r.address,
      language: r.language,
      attempts: r.attempts,
      escalationStep: null,
    })),
  };
}

export type Outcome =
  | { id: number; kind: "sent" | "delivered"; providerId: string; renderedLanguage: Language | null }
  | { id: number; kind: "retry"; code: string; error: string; nextAttemptAt: Date }
  | { id: number; kind: "failed"; code: string; error: string }
  | { id: number; kind: "expired" };

/** Records a batch's outcomes in one statement; only rows this owner still leases. */
export async function recordOutcomes(
  db: Db,
  owner: string,
  at: Date,
  outcomes: Outcome[],
  lane?: string,
): Promise<number> {
  if (outcomes.length === 0) return 0;
  const rows = await db.execute<{ n: number }>(sql`
    with o as (
      select * from jsonb_to_recordset(${jsonRows(
        outcomes.map((o) => ({
          id: o.id,
          kind: o.kind,
          provider_id: "providerId" in o ? o.providerId : null,
          code: "code" in o ? o.code : null,
          error: "error" in o ? o.error : null,
          next_at: "nextAttemptAt" in o ? o.nextAttemptAt.toISOString() : null,
          lang: "renderedLanguage" in o ? o.renderedLanguage : null,
        })),
      )}) as o(id bigint, kind text, provider_id text, code text, error text, next_at timestamptz, lang text)
    ),
    upd as (
      update deliveries d set
        status = (case o.kind when 'retry' then 'queued' else o.kind end)::delivery_status,
        provider_id = coalesce(o.provider_id, d.provider_id),
        rendered_language = coalesce(o.lang::language, d.rendered_language),
        sent_at = case when o.kind in ('sent', 'delivered') then ${at.toISOString()}::timestamptz else d.sent_at end,
        delivered_at = case when o.kind = 'delivered' then ${at.toISOString()}::timestamptz else d.delivered_at end,
        failed_at = case when o.kind = 'failed' then ${at.toISOString()}::timestamptz else d.failed_at end,
        expired_at = case when o.kind = 'expired' then ${at.toISOString()}::timestamptz else d.expired_at end,
        next_attempt_at = coalesce(o.next_at, d.next_attempt_at),
        error_code = case when o.kind in ('retry', 'failed') then o.code else d.error_code end,
        error = case when o.kind in ('retry', 'failed') then o.error else d.error end,
        lease_until = null, lease_owner = null
      from o where d.id = o.id and d.status = 'sending' and d.lease_owner = ${owner}
        ${lane === undefined ? sql`` : sql`and d.lane = ${lane}`}
      returning ${changedColumns(null)}
    ),
    ${countChanges("upd")}
    select count(*)::int as n from upd`);
  return rows[0]?.n ?? 0;
}

/** Keeps the lease of rows still being sent by a live sender. */
export async function renewLeases(
  db: Db,
  o: { owner: string; ids: number[]; now: Date; leaseMs: number; lane?: string },
): Promise<number> {
  if (o.ids.length === 0) return 0;
  const rows = await db.execute<{ n: number }>(sql`
    with r as (
      update deliveries set lease_until = ${o.now.toISOString()}::timestamptz + ${o.leaseMs} * interval '1 millisecond'
      where status = 'sending' and lease_owner = ${o.owner} and id = any(${sql.param(o.ids)}::bigint[])
        ${o.lane === undefined ? sql`` : sql`and lane = ${o.lane}`}
      returning 1
    ) select count(*)::int as n from r`);
  return rows[0]?.n ?? 0;
}

/** Rows whose lease ran out (their sender died) go back to the queue. */
export async function recoverLeases(db: Db, now: Date): Promise<number> {
  const rows = await db.execute<{ n: number }>(sql`
    with r as (
      update deliveries set status = 'queued', lease_until = null, lease_owner = null, next_attempt_at = ${now.toISOString()}::timestamptz
      where status = 'sending' and lease_until < ${now.toISOString()}::timestamptz
      returning 1
    ) select count(*)::int as n from r`);
  return rows[0]?.n ?? 0;
}

/** Rows one maintenance statement expires: a cancelled city-wide warning's million queued
 * rows in one UPDATE ran for minutes (its coverage counters reading a million changed
 * rows), and the console's requests queued behind it. */
const EXPIRE_BATCH = 10_000;
/** Expiry statements one round may run: a million rows at the default batch. */
const MAX_EXPIRE_ROUNDS = 100;

/** Queued deliveries of warnings that ended (expired, cancelled, superseded) expire, and
 * then their walks' remaining people (walks.ts), at most `limit` of them. Returns how
 * many; a full batch means there may be more. */
export async function expireEnded(db: Db, now: Date, warningIds?: string[], limit = EXPIRE_BATCH): Promise<number> {
  const at = now.toISOString();
  const rows = await db.execute<{ n: number }>(sql`
    with ended as (
      select id from warnings
      where (status in ('cancelled', 'expired', 'updated') or expires <= ${at}::timestamptz)
        ${warningIds ? sql`and id = any(${sql.param(warningIds)}::uuid[])` : sql``}
    ),
    batch as (
      select d.id, d.issued_at from deliveries d
      where d.status = 'queued' and d.warning_id in (select id from ended)
      limit ${limit}
    ),
    r as (
      -- Still queued when the update reaches it: a row claimed meanwhile is the sender's.
      update deliveries d set status = 'expired', expired_at = ${at}::timestamptz, lease_until = null
      from batch b where d.id = b.id and d.issued_at = b.issued_at and d.status = 'queued'
      returning ${changedColumns(null)}
    ),
    ${countChanges("r")}
    select count(*)::int as n from r`);
  const queued = rows[0]?.n ?? 0;
  // Then the people their walks had not reached yet: written `expired`, so the ledger
  // says of every person the plan counted what became of them.
  return queued < limit ? queued + (await expireWalks(db, now, warningIds, limit - queued)) : queued;
}

/** Expires ended warnings' queues a batch a statement until none is left, at most
 * MAX_EXPIRE_ROUNDS statements (a million rows at the default batch). */
export async function expireEndedInBatches(
  db: Db,
  now: Date,
  o: { warningIds?: string[]; batch?: number; keepGoing?: () => boolean } = {},
): Promise<number> {
  const batch = o.batch ?? EXPIRE_BATCH;
  let expired = 0;
  for (let round = 0; round < MAX_EXPIRE_ROUNDS && (o.keepGoing?.() ?? true); round++) {
    const n = await expireEnded(db, now, o.warningIds, batch);
    expired += n;
    if (n < batch) break;
  }
  return expired;
}

/** The batch's warnings, read once per batch: their state decides send or expire, and
 * their text feeds the renderer. */
export async function batchWarnings(db: Db, ids: string[]): Promise<Map<string, Warning>> {
  const rows = await db.select().from(warnings).where(inArray(warnings.id, ids));
  return new Map(rows.map((w) => [w.id, w]));
}
