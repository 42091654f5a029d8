// The hub's SQL. Claiming is one UPDATE … RETURNING: whichever hub instance flips a row
// from queued to sent is the one that sends it, so two instances never double-send a
// fresh command (a replay on hello may resend a sent-but-unacked one, by design).
import { sql } from "drizzle-orm";
import type { Db } from "../db/client.js";
import type { DeviceKind, Language } from "../domain/vocabulary.js";
import { jsonRows } from "../db/json-rows.js";

export interface DeviceCommandRow {
  id: number;
  deviceId: string;
  channel: DeviceKind;
  warningId: string;
  language: Language;
}

type Raw = {
  id: string; device_id: string; channel: DeviceKind; warning_id: string; language: Language; queued_at?: string;
};
const toRow = (r: Raw): DeviceCommandRow => ({ id: Number(r.id), deviceId: r.device_id, channel: r.channel, warningId: r.warning_id, language: r.language });

// A warning is in force while it is the issued version of its thread and has not expired.
const IN_FORCE = (now: string) => sql`select id from warnings where status = 'issued' and expires > ${now}::timestamptz`;

/** Claims queued device deliveries of warnings in force for the given devices, marking
 * them sent with provider_id = the command id, oldest first. "Oldest" is queued_at (the
 * issue time), not the id: ids are cached per backend (drizzle/0007) and do not follow time. */
export async function claimDeviceCommands(db: Db, deviceIds: string[], now: Date): Promise<DeviceCommandRow[]> {
  if (deviceIds.length === 0) return [];
  const at = now.toISOString();
  const rows = await db.execute<Raw>(sql`
    update deliveries d set status = 'sent', sent_at = ${at}::timestamptz, provider_id = d.id::text,
      rendered_language = d.language, attempts = d.attempts + 1
    where d.status = 'queued' and d.device_id = any(${sql.param(deviceIds)}::uuid[])
      and d.warning_id in (${IN_FORCE(at)})
    returning d.id, d.device_id, d.channel, d.warning_id, d.language, d.queued_at`);
  const at0 = (r: Raw) => new Date(r.queued_at!).getTime();
  return [...rows].sort((a, b) => at0(a) - at0(b) || Number(a.id) - Number(b.id)).map(toRow);
}

/** Store and forward: every command of a warning in force these devices have not
 * acknowledged (queued ones are claimed on the way), per device oldest first. */
export async function pendingForDevices(db: Db, deviceIds: string[], now: Date): Promise<DeviceCommandRow[]> {
  if (deviceIds.length === 0) return [];
  const at = now.toISOString();
  await claimDeviceCommands(db, deviceIds, now);
  const rows = await db.execute<Raw>(sql`
    select d.id, d.device_id, d.channel, d.warning_id, d.language from deliveries d
    where d.device_id = any(${sql.param(deviceIds)}::uuid[]) and d.status in ('sending', 'sent', 'delivered')
      and d.warning_id in (${IN_FORCE(at)})
    order by d.queued_at, d.id`);
  return rows.map(toRow);
}

/** The claim records the device's language; where the renderer fell back (no `mn`
 * template → `zh`), record the language the device actually got. */
export async function recordRenderedLanguages(db: Db, rows: { id: number; language: Language }[]): Promise<void> {
  if (rows.length === 0) return;
  await db.execute(sql`
    update deliveries d set rendered_language = o.language
    from jsonb_to_recordset(${jsonRows(rows)}) as o(id bigint, language language)
    where d.id = o.id`);
}

/** Deliveries of an ended warning that reached a device (for `stop` frames). */
export async function reachedDevicesOf(db: Db, warningId: string, deviceIds: string[]): Promise<DeviceCommandRow[]> {
  if (deviceIds.length === 0) return [];
  const rows = await db.execute<Raw>(sql`
    select d.id, d.device_id, d.channel, d.warning_id, d.language from deliveries d
    where d.warning_id = ${warningId}::uuid and d.device_id = any(${sql.param(deviceIds)}::uuid[])
      and d.status in ('sent', 'delivered', 'acknowledged')
    order by d.id`);
  return rows.map(toRow);
}

/** Of the acked ids, those that are this device's deliveries: a device may only report
 * on its own commands. */
export async function ownedDeliveries(db: Db, pairs: { id: number; deviceId: string }[]): Promise<Set<number>> {
  if (pairs.length === 0) return new Set();
  const rows = await db.execute<{ id: string }>(sql`
    select d.id from deliveries d
    join jsonb_to_recordset(${jsonRows(pairs.map((p) => ({ id: p.id, device_id: p.deviceId })))}) as o(id bigint, device_id uuid)
      on d.id = o.id and d.device_id = o.device_id`);
  return new Set(rows.map((r) => Number(r.id)));
}

export interface PresenceChange {
  deviceId: string;
  online: boolean;
  at: Date;
  firmware?: string | undefined;
}

/** Online/offline/last-seen for many devices in one statement. */
export async function applyPresence(db: Db, changes: PresenceChange[]): Promise<void> {
  if (changes.length === 0) return;
  await db.execute(sql`
    update devices d set online = o.online, last_seen = greatest(o.at, d.last_seen), firmware = coalesce(o.firmware, d.firmware), updated_at = now()
    from jsonb_to_recordset(${jsonRows(changes.map((c) => ({ id: c.deviceId, online: c.online, at: c.at.toISOString(), firmware: c.firmware ?? null })))})
      as o(id uuid, online boolean, at timestamptz, firmware text)
    where d.id = o.id`);
}

/** Of these devices, those revoked since they connected. */
export async function revokedAmong(db: Db, deviceIds: string[]): Promise<string[]> {
  if (deviceIds.length === 0) return [];
  const rows = await db.execute<{ id: string }>(sql`select id from devices where id = any(${sql.param(deviceIds)}::uuid[]) and revoked_at is not null`);
  return rows.map((r) => r.id);
}
