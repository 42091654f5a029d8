// Cross-process signals the hub listens for (Postgres LISTEN/NOTIFY, payload = a warning
// or device id). Runtime-free so jobs and tests can send them.
import { sql } from "drizzle-orm";
import type { Db } from "../db/client.js";

export { DELIVERIES_CHANNEL, parseDeliveriesPayload } from "../dispatch/notify.js";
/** Sent by the expiry job when a warning expires: hubs send `stop` to devices that had it. */
export const WARNING_ENDED_CHANNEL = "warncast_warning_ended";

export async function notifyWarningEnded(db: Db, warningId: string): Promise<void> {
  await db.execute(sql`select pg_notify(${WARNING_ENDED_CHANNEL}, ${warningId})`);
}

/** Sent when a device is revoked (payload = device id): the hub holding its socket closes it. */
export const DEVICE_REVOKED_CHANNEL = "warncast_device_revoked";

export async function notifyDeviceRevoked(db: Db, deviceId: string): Promise<void> {
  await db.execute(sql`select pg_notify(${DEVICE_REVOKED_CHANNEL}, ${deviceId})`);
}
