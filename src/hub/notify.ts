// Cross-process signals the hub listens for (Postgres LISTEN/NOTIFY, payload = warning
// id). Runtime-free so jobs and tests can send them.
import { sql } from "drizzle-orm";
import type { Db } from "../db/client.js";

export { DELIVERIES_CHANNEL } from "../dispatch/issue.js";
/** Sent by the expiry job when a warning expires: hubs send `stop` to devices that had it. */
export const WARNING_ENDED_CHANNEL = "warncast_warning_ended";

export async function notifyWarningEnded(db: Db, warningId: string): Promise<void> {
  await db.execute(sql`select pg_notify(${WARNING_ENDED_CHANNEL}, ${warningId})`);
}
