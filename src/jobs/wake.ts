import type { Db } from "../db/client.js";
import { notifyDeliveries } from "../dispatch/notify.js";

/** New rows for the dispatchers (and device hubs): the same NOTIFY an issue sends, once
 * per warning that got any, delivered when the transaction commits. */
export async function wakeDispatchers(tx: Db, created: { warningId: string; messages: number }[]): Promise<void> {
  for (const id of new Set(created.filter((c) => c.messages > 0).map((c) => c.warningId))) {
    await notifyDeliveries(tx, id);
  }
}
