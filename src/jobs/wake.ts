import type { Db } from "../db/client.js";
import { notifyDeliveries } from "../dispatch/notify.js";
import { laneOf } from "../domain/areas.js";

/** New 叫应 messages for the dispatchers: one NOTIFY per warning that got any, naming the
 * lanes (counties) of its villages and that they are people's messages (device hubs have
 * nothing to read), delivered when the transaction commits. */
export async function wakeDispatchers(
  tx: Db,
  created: { warningId: string; villageCode: string; messages: number }[],
): Promise<void> {
  const lanes = new Map<string, Set<string>>();
  for (const c of created) {
    if (c.messages <= 0) continue;
    const set = lanes.get(c.warningId) ?? new Set<string>();
    set.add(laneOf(c.villageCode));
    lanes.set(c.warningId, set);
  }
  for (const [id, set] of lanes) await notifyDeliveries(tx, id, { lanes: [...set].sort(), peopleOnly: true });
}
