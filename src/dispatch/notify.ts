// The NOTIFY that wakes dispatcher loops and device hubs when a warning gets new delivery
// rows. Sent by the writing code inside the transaction that wrote them (never by a
// trigger, which under Citus would fire on a worker no listener hears), so it arrives at
// commit, never for a change that rolled back.
//
// The payload names the warning, the lanes (counties) it wrote and whether it wrote only
// people's rows: a county of the progressive planner, a late-joining person and the 叫应
// jobs do, and device hubs then have nothing to read; for the rest a hub reads only its
// devices in those lanes. The issue names the lanes of its targeted villages. Payload:
// `<warning>` (any lane: an older writer) or `<warning>;lanes=150402,150403[;people]`.
import { sql } from "drizzle-orm";
import type { Db } from "../db/client.js";

export const DELIVERIES_CHANNEL = "warncast_deliveries";

export interface DeliveriesNotice {
  warningId: string;
  /** null: any lane (the writer did not say). */
  lanes: string[] | null;
  /** Only people's rows (SMS, email): nothing for device hubs. */
  peopleOnly: boolean;
}

export function deliveriesPayload(n: DeliveriesNotice): string {
  const parts = [n.warningId];
  // No lanes named (or none known) reads as any lane.
  if (n.lanes?.length) parts.push(`lanes=${n.lanes.join(",")}`);
  if (n.peopleOnly) parts.push("people");
  return parts.join(";");
}

/** Reads a payload; anything unexpected reads as "this warning, any lane, any target". */
export function parseDeliveriesPayload(payload: string): DeliveriesNotice {
  const [warningId = "", ...rest] = payload.split(";");
  const lanes = rest.find((p) => p.startsWith("lanes="))?.slice("lanes=".length);
  return {
    warningId,
    lanes: lanes ? lanes.split(",").filter(Boolean) : null,
    peopleOnly: rest.includes("people"),
  };
}

export async function notifyDeliveries(
  tx: Db,
  warningId: string,
  o: { lanes?: string[]; peopleOnly?: boolean } = {},
): Promise<void> {
  const payload = deliveriesPayload({ warningId, lanes: o.lanes ?? null, peopleOnly: o.peopleOnly ?? false });
  await tx.execute(sql`select pg_notify(${DELIVERIES_CHANNEL}, ${payload})`);
}
