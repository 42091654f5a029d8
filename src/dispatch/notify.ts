// The NOTIFY that wakes dispatcher loops and device hubs when a warning gets new delivery
// rows. Sent inside the transaction that wrote them, so it arrives at commit, never for a
// change that rolled back.
import { sql } from "drizzle-orm";
import type { Db } from "../db/client.js";

export const DELIVERIES_CHANNEL = "warncast_deliveries";

export async function notifyDeliveries(tx: Db, warningId: string): Promise<void> {
  await tx.execute(sql`select pg_notify(${DELIVERIES_CHANNEL}, ${warningId})`);
}
