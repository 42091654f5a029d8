import type { Db } from "../db/client.js";
import type { Warning } from "../db/queries/warnings.js";

export interface PlanResult {
  deliveries: number;
}

/** Placeholder until the fan-out engine lands: plans nothing. */
export async function planDeliveries(_tx: Db, _w: Warning, _now: Date): Promise<PlanResult> {
  return { deliveries: 0 };
}
