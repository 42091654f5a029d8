// Scheduled release, every minute: an approved warning whose send time (`sendAt`, set by
// its author, typically ahead of `onset`) has come is issued exactly as approval would
// have issued it, and not before. One transaction per warning, so one bad warning cannot
// hold back the others; SKIP LOCKED lets a concurrent cancel win without waiting.
import { and, asc, eq, gt, inArray, lte } from "drizzle-orm";
import type { Job } from "./job.js";
import { warnings } from "../db/schema/index.js";
import { issueWarning } from "../warnings/issue.js";
import { handOff } from "../warnings/release.js";
import { TRANSITIONS } from "../warnings/lifecycle.js";
import { errorFields } from "../lib/log.js";

export const scheduledIssueJob: Job = {
  name: "scheduled-issue",
  cron: "* * * * *",
  async run(s, at) {
    const due = and(
      inArray(warnings.status, [...TRANSITIONS.issue.from]),
      lte(warnings.sendAt, at),
      gt(warnings.expires, at),
    );
    const ids = await s.db.select({ id: warnings.id }).from(warnings).where(due).orderBy(asc(warnings.sendAt));
    let issued = 0;
    // Deliveries written at issue (devices, the first lane); `planning` counts the
    // warnings whose public the dispatchers' planner still writes county by county.
    let deliveries = 0;
    let planning = 0;
    let failed = 0;
    for (const { id } of ids) {
      try {
        const result = await s.db.transaction(async (tx) => {
          // Re-read under lock: a cancel or another instance may have acted meanwhile.
          const [w] = await tx
            .select()
            .from(warnings)
            .where(and(eq(warnings.id, id), due))
            .for("update", { skipLocked: true });
          if (!w) return null;
          return issueWarning(tx, w, { now: at, actor: "scheduler", actorKind: "system" });
        });
        if (result) {
          const { plan, warning } = result;
          await handOff(s, { warning, commands: plan.commands });
          issued++;
          deliveries += plan.deliveries;
          if (plan.pending) planning++;
        }
      } catch (e) {
        failed++;
        s.log.error("scheduled issue failed", { warningId: id, ...errorFields(e) });
      }
    }
    if (failed > 0) throw new Error(`${failed} of ${ids.length} scheduled warnings failed to issue`);
    return { due: ids.length, issued, deliveries, planning };
  },
};
