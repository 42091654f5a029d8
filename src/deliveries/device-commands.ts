// The device hub's writes to delivery state: claiming queued commands for the devices it
// holds (queued → sent: whichever instance flips a row sends it) and recording the
// language a device actually got. Part of the one home for delivery state (src/deliveries).
import { sql, type SQL } from "drizzle-orm";
import type { Db } from "../db/client.js";
import type { DeviceKind, Language } from "../domain/vocabulary.js";
import { jsonRows } from "../db/json-rows.js";
import { inForceSql } from "../warnings/lifecycle.js";
import { changedColumns, countChanges, oldStamps } from "./coverage.js";

export interface DeviceCommandRow {
  id: number;
  deviceId: string;
  channel: DeviceKind;
  warningId: string;
  language: Language;
  /** Reserved by its plan, its row not written yet: the hub that sends it writes it
   * (deliveries/device-sends.ts). */
  unwritten?: true;
}

/** A command whose frame went out, with the language it was rendered in; when it went
 * out and when the device said it arrived, if known (markDeviceCommandsSent). */
export type SentCommand = { id: number; language: Language; sentAt?: Date; deliveredAt?: Date };

type Raw = {
  id: string;
  device_id: string;
  channel: DeviceKind;
  warning_id: string;
  language: Language;
  queued_at?: string;
};
const toRow = (r: Raw): DeviceCommandRow => ({
  id: Number(r.id),
  deviceId: r.device_id,
  channel: r.channel,
  warningId: r.warning_id,
  language: r.language,
});

/** The warnings in force at `now` (of `among`, if given) as an array, for
 * `d.warning_id = any(…)`: an index condition the planner runs once. Written as a join to
 * the warnings in force instead, it scanned the devices' rows once per warning in force
 * (five in force: a city's 10,000 rows read five times, 15 ms instead of 9;
 * test/deliveries/device-reads.test.ts). */
export const warningsInForce = (now: Date, among?: string[]): SQL =>
  sql`array(select w.id from warnings w where ${inForceSql("w", now.toISOString())}${
    among ? sql` and w.id = any(${sql.param(among)}::uuid[])` : sql``
  })`;

/** Claims queued device deliveries of warnings in force for the given devices, marking
 * them sent with provider_id = the command id, oldest first. "Oldest" is queued_at (the
 * issue time), not the id: ids are numbered per warning (src/deliveries/ledger-ids.ts), and
 * an older warning may have a higher ledger number than a newer one's. */
export async function claimDeviceCommands(db: Db, deviceIds: string[], now: Date): Promise<DeviceCommandRow[]> {
  if (deviceIds.length === 0) return [];
  const at = now.toISOString();
  const rows = await db.execute<Raw>(sql`
    with upd as (
      update deliveries d set status = 'sent', sent_at = ${at}::timestamptz, provider_id = d.id::text,
        rendered_language = d.language, attempts = d.attempts + 1
      where d.status = 'queued' and d.device_id = any(${sql.param(deviceIds)}::uuid[])
        and d.warning_id = any(${warningsInForce(now)})
      returning ${changedColumns(null)}, d.language, d.queued_at
    ),
    ${countChanges("upd")}
    select id, device_id, channel, warning_id, language, queued_at from upd`);
  const at0 = (r: Raw) => new Date(r.queued_at!).getTime();
  return [...rows].sort((a, b) => at0(a) - at0(b) || Number(a.id) - Number(b.id)).map(toRow);
}

/** Live delivery reads before it sends: the queued commands of warnings in force, oldest
 * first, for these devices, or (a notice naming its warning) of these warnings for any
 * device, the hub keeping its own: one range of the warning's device index instead of a
 * parameter of every device connected here (a city's 10,000: 12-22 ms against 34-45 ms).
 * In these lanes, when a notice named them. Nothing is written here: a command becomes
 * `sent` once its frame is out (markDeviceCommandsSent), so its state is what happened, and
 * a device no longer on this instance keeps its command queued for its next hello. */
export async function queuedDeviceCommands(
  db: Db,
  of: { devices: string[] } | { warnings: string[] },
  now: Date,
  lanes: string[] | null = null,
): Promise<DeviceCommandRow[]> {
  const ids = "devices" in of ? of.devices : of.warnings;
  if (ids.length === 0) return [];
  const which =
    "devices" in of
      ? sql`d.device_id = any(${sql.param(ids)}::uuid[]) and d.warning_id = any(${warningsInForce(now)})`
      : sql`d.warning_id = any(${warningsInForce(now, ids)}) and d.device_id is not null`;
  return readCommands(
    db,
    sql`d.status = 'queued' and ${which}
      ${lanes ? sql`and d.lane = any(${sql.param(lanes)}::text[])` : sql``}`,
  );
}

/**
 * Device commands of deliveries `d` where `where` holds, ordered by (queued_at, id). Read
 * as one row per warning, channel, language and queue time, the ids and devices packed
 * into one string: the commands of a group share everything else. Ten thousand rows of
 * five columns took 17-30 ms to arrive and decode, ahead of a city warning's first frame;
 * packed, 9 ms. Groups come in (queued_at, least id) order: a warning's ids are one range
 * of its ledger, and a device has one command per warning (so at most one per group), so
 * every device's commands keep the (queued_at, id) order.
 */
export async function readCommands(db: Db, where: SQL): Promise<DeviceCommandRow[]> {
  const groups = await db.execute<PackedCommands>(sql`
    select d.warning_id, d.channel, d.language, ${packedCommands("d")} as cmds
    from deliveries d
    where ${where}
    group by d.warning_id, d.channel, d.language, d.queued_at
    order by d.queued_at, min(d.id)`);
  return unpackCommands(groups);
}

/** Commands of one warning, channel and language: "id device id id device id …". */
export type PackedCommands = {
  warning_id: string;
  channel: DeviceKind;
  language: Language;
  cmds: string;
};

/** The aggregate packing the id and device of each command row `alias` (readCommands). */
export const packedCommands = (alias: string): SQL =>
  sql.raw(`string_agg(${alias}.id::text || ' ' || ${alias}.device_id::text, ' ')`);

export function unpackCommands(groups: readonly PackedCommands[]): DeviceCommandRow[] {
  const out: DeviceCommandRow[] = [];
  for (const g of groups) {
    const parts = g.cmds.split(" ");
    for (let i = 0; i + 1 < parts.length; i += 2) {
      out.push({
        id: Number(parts[i]),
        deviceId: parts[i + 1]!,
        channel: g.channel,
        warningId: g.warning_id,
        language: g.language,
      });
    }
  }
  return out;
}

/** Records commands whose frames went out: queued → sent with the language actually
 * rendered, at their `sentAt` (else `at`), or straight to delivered when the device's
 * receipt is in hand (`deliveredAt`): one write per command instead of two (the hub holds
 * its records while a city's receipts come in: hub/reports.ts); that is queued → sent →
 * delivered, two moves the states allow (deliveries/states.ts), in one write.
 *
 * A row the expiry took while its frame was out (its warning ended within the hold) was
 * expired on a guess: it read `queued` only because its record was held. When the frame
 * went out first (sent_at ≤ expired_at), the record writes what happened instead: `sent` or
 * `delivered`, the expiry undone, so a later `played` still counts and the coverage takes it
 * as reached. A frame that went out after the expiry (a read from before it) leaves the row
 * `expired`, stamped with when it went out. Either way its device gets the ended warning's
 * stop (reachedDevicesOf). */
export async function markDeviceCommandsSent(db: Db, sent: SentCommand[], at: Date): Promise<void> {
  if (sent.length === 0) return;
  const rows = jsonRows(
    sent.map((c) => ({
      id: c.id,
      language: c.language,
      sent_at: (c.sentAt ?? at).toISOString(),
      delivered_at: c.deliveredAt?.toISOString() ?? null,
    })),
  );
  const o = sql`jsonb_to_recordset(${rows}) as o(id bigint, language language, sent_at timestamptz, delivered_at timestamptz)`;
  const [queued] = await db.execute<{ n: number }>(sql`
    with upd as (
      update deliveries d set
        status = case when o.delivered_at is null then 'sent' else 'delivered' end::delivery_status,
        sent_at = o.sent_at, delivered_at = o.delivered_at, provider_id = d.id::text,
        rendered_language = o.language, attempts = d.attempts + 1
      from ${o}
      where d.id = o.id and d.status = 'queued'
      returning ${changedColumns(null)}
    ),
    ${countChanges("upd")}
    select count(*)::int as n from upd`);
  if ((queued?.n ?? 0) === sent.length) return;
  // The rest moved on while their frames were out: those an expiry took are recorded as
  // above (a revoked device's failed ones stay as they are). Their stamps are read first,
  // so the counters move by the difference: an undone expiry leaves `expired`.
  await db.execute(sql`
    with o as (select * from ${o}),
    prev as (
      select d.id, d.issued_at, ${oldStamps("d")} from deliveries d join o on d.id = o.id
      where d.status = 'expired' and d.sent_at is null
      for update of d
    ),
    upd as (
      update deliveries d set
        status = case when d.expired_at < o.sent_at then d.status
          when o.delivered_at is null then 'sent' else 'delivered' end::delivery_status,
        expired_at = case when d.expired_at < o.sent_at then d.expired_at end,
        sent_at = o.sent_at, delivered_at = o.delivered_at, provider_id = d.id::text,
        rendered_language = o.language, attempts = d.attempts + 1
      from o, prev
      where d.id = o.id and d.id = prev.id and d.issued_at = prev.issued_at
        and d.status = 'expired' and d.sent_at is null
      returning ${changedColumns("prev")}
    ),
    ${countChanges("upd")}
    select count(*) from upd`);
}

/** The claim records the device's language; where the renderer fell back (no `mn`
 * template → `zh`), record the language the device actually got. */
export async function recordRenderedLanguages(db: Db, rows: SentCommand[]): Promise<void> {
  if (rows.length === 0) return;
  await db.execute(sql`
    update deliveries d set rendered_language = o.language
    from jsonb_to_recordset(${jsonRows(rows)}) as o(id bigint, language language)
    where d.id = o.id`);
}
