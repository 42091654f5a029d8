// The NOTIFY that wakes dispatcher loops and device hubs when a warning gets new delivery
// rows. Sent by the writing code inside the transaction that wrote them (never by a
// trigger, which under Citus would fire on a worker no listener hears), so it arrives at
// commit, never for a change that rolled back.
//
// The payload names the warning and, when the writer knows them, the lanes (counties) it
// wrote and whether it wrote only people's rows: a county of the progressive planner does,
// and device hubs then have nothing to read. Payload: `<warning>` or
// `<warning>;lanes=150402,150403[;people]`.
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
  if (n.lanes) parts.push(`lanes=${n.lanes.join(",")}`);
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
