// Progressive planning (issue 17): every version commits with what must not wait (its
// villages, devices, platforms and the people who must act: planner.ts) and, when it has
// a public to reach, plan_state 'pending'. Any dispatcher process (and the plan-pending
// job) then plans the public one county per transaction: sending starts at commit, and a
// planner that dies mid-way resumes after the last county it committed, never leaving a
// county half planned. A version no longer in force (superseded, cancelled, expired)
// stops planning. Counties are also Citus's lanes (docs/scale.md).
import { eq, sql } from "drizzle-orm";
import type { Db } from "../db/client.js";
import type { Warning } from "../db/queries/warnings.js";
import { writeAudit } from "../db/queries/audit.js";
import { warnings } from "../db/schema/index.js";
import { FIRST_LANE_AUDIENCES, LEVEL_RANK } from "../domain/vocabulary.js";
import { inForce } from "../warnings/lifecycle.js";
import { notifyDeliveries } from "./notify.js";
import { channelsOf, planCountyPeople } from "./planner.js";

const firstLane = FIRST_LANE_AUDIENCES as readonly string[];

/** Whether a version has deliveries left to plan after its issuing transaction: a Cancel's
 * all-clear, or people outside the first lane on a person channel. */
export const plansProgressively = (w: Pick<Warning, "msgType" | "channels" | "audiences">) =>
  w.msgType === "Cancel" ||
  (channelsOf(w).personChannels.length > 0 && w.audiences.some((a) => !firstLane.includes(a)));

export interface ChunkResult {
  warningId: string;
  /** The county planned; null when the warning had none left (now `planned`) or stopped. */
  county: string | null;
  deliveries: number;
  /** The version left force before its plan finished: its remaining counties are dropped. */
  stopped?: true;
}

/** Red before yellow across warnings, then the oldest: a red warning issued while a
 * yellow one plans waits for one county of it, not for all of it. */
const levelOrder = sql.raw(
  `case level ${Object.entries(LEVEL_RANK)
    .map(([l, r]) => `when '${l}' then ${r}`)
    .join(" ")} end`,
);

/** Plans the next county of the most urgent pending warning no other planner holds. */
export async function planNextChunk(db: Db, now: Date): Promise<ChunkResult | null> {
  return db.transaction(async (tx) => {
    const [w] = await tx
      .select()
      .from(warnings)
      .where(eq(warnings.planState, "pending"))
      .orderBy(levelOrder, warnings.issuedAt)
      .limit(1)
      .for("update", { skipLocked: true });
    if (!w) return null;
    if (!inForce(w, now)) return stop(tx, w);
    const [next] = await tx.execute<{ county: string | null }>(sql`
      select min(left(village_code, 6)) as county from coverage_villages
      where warning_id = ${w.id} and left(village_code, 6) > ${w.planCursor ?? ""}`);
    const county = next?.county ?? null;
    if (county === null) {
      await tx.update(warnings).set({ planState: "planned", planCursor: null }).where(eq(warnings.id, w.id));
      return { warningId: w.id, county, deliveries: 0 };
    }
    const deliveries = await planCountyPeople(tx, w, county, now);
    await tx.update(warnings).set({ planCursor: county }).where(eq(warnings.id, w.id));
    if (deliveries > 0) await notifyDeliveries(tx, w.id);
    return { warningId: w.id, county, deliveries };
  });
}

/** A superseded, cancelled or expired version reaches no one new: its queued rows expire
 * (deliveries/claims.ts expireEnded) and its unplanned counties are never planned. */
async function stop(tx: Db, w: Warning): Promise<ChunkResult> {
  await tx.update(warnings).set({ planState: "stopped" }).where(eq(warnings.id, w.id));
  await writeAudit(tx, {
    actor: "planner",
    actorKind: "system",
    action: "warning.plan_stopped",
    subjectType: "warning",
    subjectId: w.id,
    before: { planState: w.planState, planCursor: w.planCursor },
    after: { planState: "stopped", status: w.status },
  });
  return { warningId: w.id, county: null, deliveries: 0, stopped: true };
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
