// The hub's SQL. Claiming is one UPDATE … RETURNING: whichever hub instance flips a row
// from queued to sent is the one that sends it, so two instances never double-send a
// fresh command (a replay on hello may resend a sent-but-unacked one, by design).
import { sql } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { jsonRows } from "../db/json-rows.js";
import {
  claimDeviceCommands,
  readCommands,
  warningsInForce,
  type DeviceCommandRow,
} from "../deliveries/device-commands.js";

export {
  markDeviceCommandsSent,
  queuedDeviceCommands,
  recordRenderedLanguages,
  type DeviceCommandRow,
  type SentCommand,
} from "../deliveries/device-commands.js";

/** Store and forward: every command of a warning in force these devices have not
 * acknowledged (queued ones are claimed on the way), per device oldest first. */
export async function pendingForDevices(db: Db, deviceIds: string[], now: Date): Promise<DeviceCommandRow[]> {
  if (deviceIds.length === 0) return [];
  await claimDeviceCommands(db, deviceIds, now);
  return readCommands(
    db,
    sql`d.device_id = any(${sql.param(deviceIds)}::uuid[]) and d.status in ('sending', 'sent', 'delivered')
      and d.warning_id = any(${warningsInForce(now)})`,
  );
}

/** Deliveries of an ended warning that reached a device (for `stop` frames): with a frame
 * that went out, whatever came after (expired while it was out: markDeviceCommandsSent). */
export async function reachedDevicesOf(db: Db, warningId: string, deviceIds: string[]): Promise<DeviceCommandRow[]> {
  if (deviceIds.length === 0) return [];
  return readCommands(
    db,
    sql`d.warning_id = ${warningId}::uuid and d.device_id = any(${sql.param(deviceIds)}::uuid[])
      and (d.status in ('sent', 'delivered', 'acknowledged') or (d.status = 'expired' and d.sent_at is not null))`,
  );
}

/** Of the acked ids, those that are this device's deliveries: a device may only report
 * on its own commands. */
export async function ownedDeliveries(
  db: Db,
  pairs: { id: number; deviceId: string }[],
): Promise<Map<number, { stop: boolean }>> {
  if (pairs.length === 0) return new Map();
  const rows = await db.execute<{ id: string; stop: boolean }>(sql`
    select d.id, w.msg_type = 'Cancel' as stop from deliveries d
    join jsonb_to_recordset(${jsonRows(pairs.map((p) => ({ id: p.id, device_id: p.deviceId })))}) as o(id bigint, device_id uuid)
      on d.id = o.id and d.device_id = o.device_id
    join warnings w on w.id = d.warning_id`);
  return new Map(rows.map((r) => [Number(r.id), { stop: r.stop }]));
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
  const rows = await db.execute<{ id: string }>(
    sql`select id from devices where id = any(${sql.param(deviceIds)}::uuid[]) and revoked_at is not null`,
  );
  return rows.map((r) => r.id);
}
