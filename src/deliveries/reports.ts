// Applying status changes to deliveries: forward-only (delivery_can_move, the transition
// table of src/deliveries/states.ts), idempotent, and
// set-based so a burst of callbacks or device acks is one statement.
import { sql } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { jsonRows } from "../db/json-rows.js";
import { changedColumns, countChanges, oldStamps } from "./coverage.js";
import { inLayers, inTurn } from "../lib/layers.js";

export type ReportedStatus = "sent" | "delivered" | "failed" | "acknowledged";

export interface StatusChange {
  status: ReportedStatus;
  at: Date;
  errorCode?: string | null | undefined;
  error?: string | null | undefined;
}

// Reaching a later state implies the earlier ones happened: a delivery receipt means the
// message was sent; a confirmation means it arrived.
const SET_STAMPS = sql`
  status = o.status::delivery_status,
  sent_at = case when o.status in ('sent', 'delivered', 'acknowledged') then coalesce(d.sent_at, o.at) else d.sent_at end,
  delivered_at = case when o.status in ('delivered', 'acknowledged') then coalesce(d.delivered_at, o.at) else d.delivered_at end,
  acknowledged_at = case when o.status = 'acknowledged' then coalesce(d.acknowledged_at, o.at) else d.acknowledged_at end,
  failed_at = case when o.status = 'failed' then coalesce(d.failed_at, o.at) else d.failed_at end,
  error_code = coalesce(o.error_code, d.error_code),
  error = coalesce(o.error, d.error),
  lease_until = null`;

const change = (r: StatusChange) => ({
  status: r.status,
  at: r.at.toISOString(),
  error_code: r.errorCode ?? null,
  error: r.error ?? null,
});
const CHANGE_COLS = sql`status text, at timestamptz, error_code text, error text`;

/** Reports keyed by provider id (webhooks). Unmatched ids are kept in status_reports and
 * applied when the send is recorded. Returns the delivery ids that changed. `lane`, when
 * the caller knows it (a Twilio callback's URL), scopes the search to that county. */
export async function applyProviderReports(
  db: Db,
  reports: (StatusChange & { providerId: string })[],
  opts: { recheck?: boolean; lane?: string | undefined } = {},
): Promise<{ changed: number[]; unmatched: string[] }> {
  if (reports.length === 0) return { changed: [], unmatched: [] };
  // Two reports for one message in a batch (sent, then delivered) go in order, one
  // statement each: one UPDATE would apply only one of them.
  const layers = inLayers(reports, (r) => r.providerId);
  if (layers.length > 1) {
    const rs = await inTurn(layers, (layer) => applyProviderReports(db, layer, opts));
    return { changed: rs.flatMap((r) => r.changed), unmatched: rs.flatMap((r) => r.unmatched) };
  }
  const inLane = opts.lane ? sql`and d.lane = ${opts.lane}` : sql``;
  const rows = await db.execute<{ id: number | null; provider_id: string; matched: boolean }>(sql`
    with o as (
      select * from jsonb_to_recordset(${jsonRows(reports.map((r) => ({ provider_id: r.providerId, ...change(r) })))})
        as o(provider_id text, ${CHANGE_COLS})
    ),
    -- Every row a report names, locked and read once: its stamps before (for the counters)
    -- and whether the id is known at all (an unknown one is parked below).
    prev as (
      select d.id, d.issued_at, d.provider_id, delivery_can_move(d.channel, d.status, o.status::delivery_status) as movable,
             ${oldStamps("d")}
      from deliveries d join o on d.provider_id = o.provider_id ${inLane}
      for update of d
    ),
    upd as (
      update deliveries d set ${SET_STAMPS}
      from o, prev
      where d.id = prev.id and d.issued_at = prev.issued_at and prev.movable and d.provider_id = o.provider_id ${inLane}
        and delivery_can_move(d.channel, d.status, o.status::delivery_status)
      returning ${changedColumns("prev")}, d.provider_id
    ),
    ${countChanges("upd")},
    known as (select distinct provider_id from prev),
    orphans as (
      insert into status_reports (provider_id, status, error_code, error, at)
      select o.provider_id, o.status, o.error_code, o.error, o.at from o
      where o.provider_id not in (select provider_id from known)
      returning provider_id
    )
    select id, provider_id, true as matched from upd
    union all select null, provider_id, false from orphans`);
  const changed = rows.filter((r) => r.matched && r.id !== null).map((r) => Number(r.id));
  const unmatched = rows.filter((r) => !r.matched).map((r) => r.provider_id);
  // The park above raced the sender's record: if the record committed after our match
  // and its own look at status_reports ran before our park committed, neither saw the
  // other. Looking again now that the park is committed closes that window: one of the
  // two looks always sees both. (Callers run this outside a transaction.)
  if (unmatched.length > 0 && opts.recheck !== false) await applyWaitingReports(db, unmatched);
  return { changed, unmatched };
}

/** Reports keyed by delivery id (device acks, staff acknowledgement). */
export async function applyDeliveryReports(
  db: Db,
  reports: (StatusChange & { deliveryId: number })[],
): Promise<number[]> {
  if (reports.length === 0) return [];
  // Acks of one delivery in a batch (received, then played) go in order, as above.
  const layers = inLayers(reports, (r) => r.deliveryId);
  if (layers.length > 1) return (await inTurn(layers, (layer) => applyDeliveryReports(db, layer))).flat();
  const rows = await db.execute<{ id: number }>(sql`
    with o as (
      select * from jsonb_to_recordset(${jsonRows(reports.map((r) => ({ id: r.deliveryId, ...change(r) })))})
        as o(id bigint, ${CHANGE_COLS})
    ),
    prev as (
      select d.id, d.issued_at, ${oldStamps("d")} from deliveries d join o on d.id = o.id
      where delivery_can_move(d.channel, d.status, o.status::delivery_status)
      for update of d
    ),
    upd as (
      update deliveries d set ${SET_STAMPS}
      from o, prev
      where d.id = o.id and d.id = prev.id and d.issued_at = prev.issued_at
        and delivery_can_move(d.channel, d.status, o.status::delivery_status)
      returning ${changedColumns("prev")}
    ),
    ${countChanges("upd")}
    select id from upd`);
  return rows.map((r) => Number(r.id));
}

/** Reports that raced their send: apply and remove those whose provider id is now
 * recorded (all of them when no ids are given: the maintenance sweep). */
export async function applyWaitingReports(db: Db, providerIds?: string[]): Promise<number> {
  if (providerIds && providerIds.length === 0) return 0;
  // Almost always nothing is parked: one index probe instead of matching every id.
  const [any] = await db.execute<{ x: number }>(sql`select 1 as x from status_reports limit 1`);
  if (!any) return 0;
  const only = providerIds ? sql`and s.provider_id = any(${sql.param(providerIds)}::text[])` : sql``;
  const waiting = await db.execute<{
    provider_id: string;
    status: ReportedStatus;
    at: Date | string;
    error_code: string | null;
    error: string | null;
  }>(sql`
    delete from status_reports s using deliveries d
    where d.provider_id = s.provider_id ${only}
    returning s.provider_id, s.status, s.at, s.error_code, s.error`);
  if (waiting.length === 0) return 0;
  // Oldest first, so a later state is applied after an earlier one.
  waiting.sort((a, b) => new Date(a.at).getTime() - new Date(b.at).getTime());
  let n = 0;
  for (const w of waiting) {
    const r = await applyProviderReports(
      db,
      [{ providerId: w.provider_id, status: w.status, at: new Date(w.at), errorCode: w.error_code, error: w.error }],
      { recheck: false },
    );
    n += r.changed.length;
  }
  return n;
}
