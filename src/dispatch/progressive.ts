// Progressive planning (issue 17): a version whose request must not wait for its own
// fan-out (a Cancel's all-clear to every person the thread reached) commits with
// plan_state 'pending'. Any dispatcher process (and the plan-pending job) then plans it
// one county per transaction: sending starts after the first county, and a planner that
// dies mid-way resumes after the last county it committed, never leaving a county half
// planned. Counties are also Citus's lanes (docs/scale.md).
import { eq, sql } from "drizzle-orm";
import type { Db } from "../db/client.js";
import type { Warning } from "../db/queries/warnings.js";
import { warnings } from "../db/schema/index.js";
import { notifyDeliveries } from "./notify.js";
import { planCancelPeople } from "./planner.js";

/** Which versions commit before their people's deliveries exist. */
export const plansProgressively = (w: Pick<Warning, "msgType">) => w.msgType === "Cancel";

export interface ChunkResult {
  warningId: string;
  /** The county planned; null when the warning had none left and is now `planned`. */
  county: string | null;
  deliveries: number;
}

/** Plans the next county of the oldest pending warning no other planner holds. */
export async function planNextChunk(db: Db, now: Date): Promise<ChunkResult | null> {
  return db.transaction(async (tx) => {
    const [w] = await tx
      .select()
      .from(warnings)
      .where(eq(warnings.planState, "pending"))
      .orderBy(warnings.issuedAt)
      .limit(1)
      .for("update", { skipLocked: true });
    if (!w) return null;
    const [next] = await tx.execute<{ county: string | null }>(sql`
      select min(left(village_code, 6)) as county from coverage_villages
      where warning_id = ${w.id} and left(village_code, 6) > ${w.planCursor ?? ""}`);
    const county = next?.county ?? null;
    if (county === null) {
      await tx.update(warnings).set({ planState: "planned", planCursor: null }).where(eq(warnings.id, w.id));
      return { warningId: w.id, county, deliveries: 0 };
    }
    const deliveries = await planCancelPeople(tx, w, county, now);
    await tx.update(warnings).set({ planCursor: county }).where(eq(warnings.id, w.id));
    if (deliveries > 0) await notifyDeliveries(tx, w.id);
    return { warningId: w.id, county, deliveries };
  });
}

/** Plans every pending warning to the end (or until `running()` says stop). */
export async function continuePlans(
  db: Db,
  now: () => Date,
  running: () => boolean = () => true,
): Promise<{ chunks: number; deliveries: number; warnings: number }> {
  const out = { chunks: 0, deliveries: 0, warnings: 0 };
  while (running()) {
    const r = await planNextChunk(db, now());
    if (!r) break;
    if (r.county === null) out.warnings++;
    else out.chunks++;
    out.deliveries += r.deliveries;
  }
  return out;
}
