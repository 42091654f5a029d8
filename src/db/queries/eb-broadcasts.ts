// The EBM behind each eb delivery: its identifiers (kept in the database so they survive
// restarts and are unique across instances), the platform's synchronous answer and the
// read-back evidence (per-area coverage, per-terminal results).
import { eq, sql } from "drizzle-orm";
import type { Db } from "../client.js";
import { ebBroadcasts } from "../schema/index.js";
import { jsonRows } from "../json-rows.js";
import { beijingDay, ebdId, ebmId } from "../../../channels/eb/ids.js";
import type { StateReport } from "../../../channels/eb/parse.js";

export type EbBroadcast = typeof ebBroadcasts.$inferSelect;

export async function getBroadcast(db: Db, deliveryId: number): Promise<EbBroadcast | undefined> {
  const [b] = await db.select().from(ebBroadcasts).where(eq(ebBroadcasts.deliveryId, deliveryId)).limit(1);
  return b;
}

export async function nextEbdId(db: Db, source: string): Promise<string> {
  const [r] = await db.execute<{ n: string }>(sql`select nextval('eb_ebd_seq')::text as n`);
  return ebdId(source, BigInt(r!.n));
}

export async function nextEbmId(db: Db, source: string, at: Date): Promise<string> {
  const day = beijingDay(at);
  const [r] = await db.execute<{ last: number }>(sql`
    insert into eb_ebm_days (day, last) values (${day}, 1)
    on conflict (day) do update set last = eb_ebm_days.last + 1
    returning last`);
  return ebmId(source, day, r!.last);
}

/** The broadcast's EBMID and EBDID, assigned once: a retry resends the same ones. */
export async function assignIds(
  db: Db,
  deliveryId: number,
  source: string,
  at: Date,
): Promise<{ ebmId: string; ebdId: string }> {
  const b = await getBroadcast(db, deliveryId);
  if (b?.ebmId && b.ebdId) return { ebmId: b.ebmId, ebdId: b.ebdId };
  const ids = { ebmId: await nextEbmId(db, source, at), ebdId: await nextEbdId(db, source) };
  // Two senders of one delivery (a lease that ran out) race here: the first write wins.
  const [r] = await db.execute<{ ebm_id: string; ebd_id: string }>(sql`
    update eb_broadcasts
    set ebm_id = coalesce(ebm_id, ${ids.ebmId}), ebd_id = coalesce(ebd_id, ${ids.ebdId}), updated_at = now()
    where delivery_id = ${deliveryId} returning ebm_id, ebd_id`);
  return { ebmId: r!.ebm_id, ebdId: r!.ebd_id };
}

export async function recordResult(db: Db, deliveryId: number, code: number, desc: string): Promise<void> {
  await db.execute(
    sql`update eb_broadcasts set result_code = ${code}, result_desc = ${desc}, updated_at = now()
        where delivery_id = ${deliveryId}`,
  );
}

export interface OpenBroadcast {
  deliveryId: number;
  ebmId: string;
  platformId: string;
}

/** Broadcasts to read back: accepted, not yet final (3/4/5) and their warning in force. */
export async function openBroadcasts(db: Db, at: Date): Promise<OpenBroadcast[]> {
  const rows = await db.execute<{ delivery_id: string; ebm_id: string; platform_id: string }>(sql`
    select b.delivery_id, b.ebm_id, b.platform_id from eb_broadcasts b
    join deliveries d on d.id = b.delivery_id
    join warnings w on w.id = b.warning_id
    join eb_platforms p on p.id = b.platform_id
    where (b.brd_state_code is null or b.brd_state_code < 3) and b.msg_type = 1 and b.ebm_id is not null
      and d.status in ('sent', 'delivered') and p.active
      and w.status = 'issued' and w.expires > ${at.toISOString()}::timestamptz
    order by b.platform_id, b.delivery_id`);
  return rows.map((r) => ({ deliveryId: Number(r.delivery_id), ebmId: r.ebm_id, platformId: r.platform_id }));
}

export interface AppliedState {
  deliveryId: number;
  warningId: string;
  ebmId: string;
  before: number | null;
  after: number;
}

/**
 * Records reported states of one platform's broadcasts. Final states (3 played, 4 failed,
 * 5 cancelled) are never overwritten by a later in-progress report; a report for an
 * EBMID that is not this platform's is returned as unknown and writes nothing.
 */
export async function recordStates(
  db: Db,
  platformId: string,
  reports: StateReport[],
  at: Date,
): Promise<{ applied: AppliedState[]; unknown: string[] }> {
  if (reports.length === 0) return { applied: [], unknown: [] };
  const rows = await db.execute<{
    delivery_id: string | null;
    warning_id: string | null;
    ebm_id: string;
    before: number | null;
    after: number | null;
  }>(sql`
    with r as (
      select * from jsonb_to_recordset(${jsonRows(
        reports.map((r) => ({
          ebm_id: r.ebmId,
          code: r.code,
          descr: r.desc,
          coverage: r.coverage,
          terminals: r.terminals,
          at: (r.at ?? at).toISOString(),
        })),
      )}) as r(ebm_id text, code smallint, descr text, coverage jsonb, terminals jsonb, at timestamptz)
    ),
    old as (
      select b.delivery_id, b.brd_state_code from eb_broadcasts b
      where b.platform_id = ${platformId}::uuid and b.ebm_id in (select ebm_id from r) for update
    ),
    upd as (
      update eb_broadcasts b set brd_state_code = r.code, brd_state_desc = r.descr,
        coverage = case when jsonb_array_length(r.coverage) > 0 then r.coverage else b.coverage end,
        terminals = case when jsonb_array_length(r.terminals) > 0 then r.terminals else b.terminals end,
        reported_at = r.at, updated_at = now()
      from r, old
      where b.ebm_id = r.ebm_id and old.delivery_id = b.delivery_id
        and (old.brd_state_code is null or old.brd_state_code < 3 or old.brd_state_code = r.code)
      returning b.delivery_id, b.warning_id, b.ebm_id, old.brd_state_code as before, b.brd_state_code as after
    )
    select delivery_id, warning_id, ebm_id, before, after from upd
    union all
    select null, null, r.ebm_id, null, null from r
    where not exists (select 1 from old join eb_broadcasts b using (delivery_id) where b.ebm_id = r.ebm_id)`);
  return {
    applied: rows
      .filter((r) => r.delivery_id !== null)
      .map((r) => ({
        deliveryId: Number(r.delivery_id),
        warningId: r.warning_id!,
        ebmId: r.ebm_id,
        before: r.before,
        after: r.after!,
      })),
    unknown: rows.filter((r) => r.delivery_id === null).map((r) => r.ebm_id),
  };
}
