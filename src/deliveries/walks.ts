// A county's public walk (public_walks; docs/scale.md §1, step 4): the plan
// counted the county's people and reserved their ledger ids, and here the claim writes each
// batch of their deliveries itself, already `sending`, from where the last batch stopped.
// A delivery is then written twice (sending, sent) instead of three times (queued,
// sending, sent), and the plan of a city's million people writes a few dozen rows.
//
// Every statement names the walk's lane, so under Citus each runs on one shard (the walk,
// the recipients it reads and the rows it writes colocated by county). A walk is held by
// one transaction at a time (FOR UPDATE, SKIP LOCKED for claimers), and a late joiner
// (planner.ts planLateJoiners) waits for it before writing its own row: whichever commits
// second sees the other's row, so no one gets two.
import { sql } from "drizzle-orm";
import type { Db } from "../db/client.js";
import type { Language } from "../domain/vocabulary.js";
import { addressOf, firstLane, inCounty, prefixes, reachable } from "../dispatch/audience.js";
import { changedColumns, countChanges } from "./coverage.js";
import { inForceSql } from "../warnings/lifecycle.js";
import type { ClassClaim } from "./claims.js";
import { ledgerId, lockLedger, reserveLedger } from "./ledger-ids.js";

export interface Walk {
  warningId: string;
  lane: string;
  channel: string;
  issuedAt: Date;
  priority: number;
  levelRank: number;
  base: number;
  planned: number;
  ids: number;
  taken: number;
  afterVillage: string;
  afterId: number;
  audiences: string[];
  areaCodes: string[];
  polygons: unknown;
}

type WalkRow = {
  warning_id: string;
  lane: string;
  channel: string;
  issued_at: Date | string;
  priority: number;
  level_rank: number;
  base: string | number;
  planned: number;
  ids: number;
  taken: number;
  after_village: string;
  after_id: string | number;
  audiences: string[];
  area_codes: string[];
  polygons: unknown;
};

const toWalk = (r: WalkRow): Walk => ({
  warningId: r.warning_id,
  lane: r.lane,
  channel: r.channel,
  issuedAt: new Date(r.issued_at),
  priority: Number(r.priority),
  levelRank: Number(r.level_rank),
  base: Number(r.base),
  planned: r.planned,
  ids: r.ids,
  taken: r.taken,
  afterVillage: r.after_village,
  afterId: Number(r.after_id),
  audiences: r.audiences,
  areaCodes: r.area_codes,
  polygons: r.polygons,
});

const WALK_COLUMNS = sql`pw.warning_id, pw.lane, pw.channel, pw.issued_at, pw.priority, pw.level_rank, pw.base,
  pw.planned, pw.ids, pw.taken, pw.after_village, pw.after_id, w.audiences, w.area_codes, w.polygons`;

/** The most urgent open walk of a channel whose warning is in force, as the claim's pick
 * weighs it against the most urgent queued row (claims.ts pickLane): a subquery giving
 * lane, priority, level_rank and due. */
export const openWalkSql = (o: { channel: string; now: string; notLanes?: string[] }) => sql`
    select pw.lane, pw.priority, pw.level_rank, pw.queued_at as due, true as walk from public_walks pw
    where pw.done_at is null and pw.channel = ${o.channel} and pw.queued_at <= ${o.now}::timestamptz
      ${o.notLanes?.length ? sql`and pw.lane <> all(${sql.param(o.notLanes)}::text[])` : sql``}
      and exists (select 1 from warnings w where w.id = pw.warning_id and ${inForceSql("w", o.now)})
    order by pw.priority, pw.level_rank, pw.queued_at
    limit 1`;

export interface WrittenRow {
  id: number;
  warningId: string;
  recipientId: number;
  villageCode: string;
  address: string | null;
  language: Language;
  attempts: number;
  status: "sending" | "expired";
}

/**
 * Writes the walk's next `limit` people as deliveries: `sending` and leased to `owner`
 * (a claim), or `expired` (its warning ended before their turn). Only people with an
 * address on the channel (the plan wrote the others' failed rows). Each row
 * leaves `pending` and moves the counters its status stamps, in the same statement; the
 * walk advances in it too, past everyone it looked at. A person who already has a row of
 * the warning on this channel (a late joiner, or a post planned in the first lane) is
 * passed over. When fewer than `limit` were left the walk is finished (finishWalk). Runs
 * inside the transaction that locked the walk. A batch may write fewer than `limit` rows
 * (people passed over) and the walk still go on.
 */
export async function writeWalkBatch(
  tx: Db,
  walk: Walk,
  o: { limit: number; now: Date } & ({ status: "sending"; owner: string; leaseMs: number } | { status: "expired" }),
): Promise<WrittenRow[]> {
  const at = o.now.toISOString();
  const w = { audiences: walk.audiences, areaCodes: walk.areaCodes, polygons: walk.polygons as never };
  const limit = Math.min(o.limit, walk.ids - walk.taken);
  if (limit <= 0) {
    // Its id block used up before the batch that would have ended it: another block, and
    // the next batch (the claim or the expiry reads the walk again) numbers from it.
    await extendWalk(tx, walk, o.limit);
    return [];
  }
  const sending = o.status === "sending";
  const lease = o.status === "sending" ? { owner: o.owner, ms: o.leaseMs } : { owner: null, ms: 0 };
  const [r] = await tx.execute<{
    seen: number;
    rows: {
      id: number;
      warning_id: string;
      recipient_id: number;
      village_code: string;
      address: string | null;
      language: Language;
      attempts: number;
      status: WrittenRow["status"];
    }[];
  }>(sql`
    with ${prefixes(w)},
    seen as materialized (
      -- The next people in (village, id) order from where the walk stopped, among the
      -- warning's villages of the county only: each village's people by an index range of
      -- recipients_village_id_idx, stopping at the limit (an incremental sort over villages
      -- already in order). The limit applies before the filters below, so a batch costs the
      -- same whoever is in it: with them inside, Postgres misjudged how many pass and sorted
      -- the county's every remaining person for each batch (430 ms instead of 15).
      select r.id, r.village_code, r.language, r.phone, r.email, r.area_code, r.audiences, r.active
      from (
        select tv.village_code from coverage_villages tv
        where tv.warning_id = ${walk.warningId}::uuid
          and tv.village_code between greatest(${walk.afterVillage}, ${`${walk.lane}000000`}) and ${`${walk.lane}999999`}
      ) tv
      cross join lateral (
        select r.* from recipients r
        where r.village_code = tv.village_code
          and r.id > case when tv.village_code = ${walk.afterVillage} then ${walk.afterId}::bigint else 0 end
        order by r.id
        limit ${limit}
      ) r
      order by tv.village_code, r.id
      limit ${limit}
    ),
    nxt as (
      -- Whom the plan counted: an existing row of the warning (in its partition and lane) is
      -- probed per person, not anti-joined (as NOT EXISTS it read every row of the warning).
      select r.id, r.village_code, r.language, ${addressOf(sql`${walk.channel}`, "r")} as addr,
        row_number() over (order by r.village_code, r.id) as place
      from seen r
      where ${reachable(w)} and not (${firstLane}) and ${addressOf(sql`${walk.channel}`, "r")} is not null
        and (select 1 from deliveries d where d.warning_id = ${walk.warningId}::uuid and d.recipient_id = r.id
          and d.issued_at = ${walk.issuedAt.toISOString()}::timestamptz and d.lane = ${walk.lane}
          and d.channel = ${walk.channel}::channel and d.purpose = 'warning' limit 1) is null
    ),
    ins as (
      insert into deliveries as d (id, warning_id, issued_at, channel, recipient_id, village_code, address, language,
        level_rank, priority, status, attempts, claimed_at, lease_until, lease_owner, queued_at, next_attempt_at,
        expired_at)
      select ${walk.base + walk.taken}::bigint + nxt.place, ${walk.warningId}::uuid, ${walk.issuedAt.toISOString()}::timestamptz,
        ${walk.channel}::channel, nxt.id, nxt.village_code, nxt.addr, nxt.language, ${walk.levelRank}::smallint,
        ${walk.priority}::smallint, ${o.status}::delivery_status, ${sending ? 1 : 0}::smallint,
        ${sending ? at : null}::timestamptz,
        ${sending ? at : null}::timestamptz + ${lease.ms} * interval '1 millisecond', ${lease.owner}::text,
        ${at}::timestamptz, ${at}::timestamptz, ${sending ? null : at}::timestamptz
      from nxt
      returning ${changedColumns(null)}, d.address, d.language, d.attempts, d.status
    ),
    walked as (select warning_id, village_code, channel from ins),
    ${countChanges("ins", "walked")},
    last_seen as (select village_code, id from seen order by village_code desc, id desc limit 1),
    advance as (
      update public_walks pw set taken = pw.taken + (select count(*) from nxt),
        after_village = coalesce((select village_code from last_seen), pw.after_village),
        after_id = coalesce((select id from last_seen), pw.after_id)
      where pw.warning_id = ${walk.warningId}::uuid and pw.lane = ${walk.lane} and pw.channel = ${walk.channel}::channel
      returning 1
    )
    select (select count(*) from seen)::int as seen,
      coalesce((select json_agg(i order by i.id) from (
        select id, warning_id, recipient_id, village_code, address, language, attempts, status from ins) i), '[]') as rows`);
  const rows = r?.rows ?? [];
  // Fewer people than the limit left in its villages: the end. Its id block used up with
  // people perhaps still ahead: another block (never an end that leaves them unwritten).
  if ((r?.seen ?? 0) < limit) await finishWalk(tx, walk, o.now);
  else if (walk.taken + rows.length >= walk.ids) await extendWalk(tx, walk, o.limit);
  return rows.map((x) => ({
    id: Number(x.id),
    warningId: x.warning_id,
    recipientId: Number(x.recipient_id),
    villageCode: x.village_code,
    address: x.address,
    language: x.language,
    attempts: x.attempts,
    status: x.status,
  }));
}

/**
 * Another block of ledger ids for a walk that used its own up with people still ahead: its
 * spare tenth covers people who joined its villages since the plan with no late-joiner path
 * (a late joiner's row is written by that path, and the walk passes over it), so this is for
 * more of them than that, e.g. a database edit. The block is taken from the warning's
 * ledger like any writer's (ledger-ids.ts), and the walk numbers its next rows from it.
 */
async function extendWalk(tx: Db, walk: Walk, batch: number): Promise<void> {
  const more = Math.max(16, batch, Math.ceil(walk.planned / 10));
  await tx.execute(sql`
    with ${lockLedger(sql`${walk.warningId}::uuid`)},
    ${reserveLedger(sql`${walk.warningId}::uuid`, sql`${more}::int`)}
    update public_walks pw set base = ${ledgerId("ledger", sql`0`)} - pw.taken, ids = pw.taken + ${more}
    from ledger
    where pw.warning_id = ${walk.warningId}::uuid and pw.lane = ${walk.lane} and pw.channel = ${walk.channel}::channel`);
}

/** A walk at its end: whoever its plan counted and it never wrote (deactivated, moved,
 * or given a row by a late joiner meanwhile) leaves `targeted`, and whoever it wrote that
 * its plan did not count (joined since: `pending` below zero) joins it, so the counters say
 * whom the warning really set out to reach. */
async function finishWalk(tx: Db, walk: Walk, now: Date): Promise<void> {
  await tx.execute(sql`
    update public_walks set done_at = ${now.toISOString()}::timestamptz
    where warning_id = ${walk.warningId}::uuid and lane = ${walk.lane} and channel = ${walk.channel}::channel`);
  // In key order, as every counter write locks them: a sender's record of the same
  // villages may hold some of them meanwhile.
  await tx.execute(sql`
    update coverage_counts cc set targeted = cc.targeted - cc.pending, pending = 0
    from (
      select warning_id, village_code, channel from coverage_counts
      where warning_id = ${walk.warningId}::uuid and channel = ${walk.channel}::channel
        and ${inCounty(sql`village_code`, walk.lane)} and pending <> 0
      order by warning_id, village_code, channel
      for update
    ) k
    where cc.warning_id = k.warning_id and cc.village_code = k.village_code and cc.channel = k.channel`);
}

/** Claims the next batch of the lane's most urgent open walk of this class (one lane, one
 * class, as claimLane), writing its rows `sending`; empty when other claimers hold them all
 * or the walks of the class ended. */
export async function claimWalk(db: Db, o: ClassClaim): Promise<{ rows: WrittenRow[]; ended: boolean }> {
  const at = o.now.toISOString();
  return db.transaction(async (tx) => {
    // A walk may end with an empty batch (its last people left since the plan): then the
    // lane's next walk of the class. Bounded: every round writes rows or finishes a walk.
    // `ended`: a walk was finished here with nothing to send, so the lane may have other
    // work (another class) although this claim returns none.
    let ended = false;
    for (let round = 0; round < MAX_WALK_ROUNDS; round++) {
      const [r] = await tx.execute<WalkRow>(sql`
        select ${WALK_COLUMNS} from public_walks pw join warnings w on w.id = pw.warning_id
        where pw.lane = ${o.lane} and pw.channel = ${o.channel}::channel and pw.priority = ${o.priority}
          and pw.level_rank = ${o.levelRank} and pw.done_at is null and pw.queued_at <= ${at}::timestamptz
          and ${inForceSql("w", at)}
        order by pw.queued_at limit 1
        for update of pw skip locked`);
      if (!r) return { rows: [], ended };
      const rows = await writeWalkBatch(tx, toWalk(r), { ...o, status: "sending" });
      if (rows.length > 0) return { rows, ended };
      ended = true;
    }
    return { rows: [], ended };
  });
}

/** Walks one claim may look at before giving up (each writes a batch or is finished). */
const MAX_WALK_ROUNDS = 16;

/** Writes the remaining people of ended warnings' open walks as `expired`, at most `limit`
 * rows; returns how many. A walk a claimer holds is left to the next round. */
export async function expireWalks(db: Db, now: Date, warningIds: string[] | undefined, limit: number): Promise<number> {
  const at = now.toISOString();
  let written = 0;
  while (written < limit) {
    const n = await db.transaction(async (tx) => {
      const [r] = await tx.execute<WalkRow>(sql`
        select ${WALK_COLUMNS} from public_walks pw join warnings w on w.id = pw.warning_id
        where pw.done_at is null
          -- Ended (cancelled, superseded, expired): a walk exists only once its warning was issued.
          and not ${inForceSql("w", at)}
          ${warningIds ? sql`and pw.warning_id = any(${sql.param(warningIds)}::uuid[])` : sql``}
        limit 1
        for update of pw skip locked`);
      if (!r) return null;
      return (await writeWalkBatch(tx, toWalk(r), { limit: limit - written, now, status: "expired" })).length;
    });
    if (n === null) break;
    written += n;
  }
  return written;
}

/** Locks the open walks of `warningId` in `lanes` (waiting for a claimer writing one): a
 * late joiner's row written after this sees every row those walks wrote, and a walk's
 * batch written after it commits sees the joiner's. */
export async function lockOpenWalks(tx: Db, warningId: string, lanes: string[]): Promise<void> {
  if (lanes.length === 0) return;
  await tx.execute(sql`
    select 1 from public_walks
    where warning_id = ${warningId}::uuid and lane = any(${sql.param(lanes)}::text[]) and done_at is null
    order by lane, channel
    for update`);
}
