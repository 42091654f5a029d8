// Submit: a draft goes to approval, or is issued at once where the type/level policy
// allows direct issue (short-fuse warnings, DESIGN §4).
import type { Db } from "../db/client.js";
import type { Services } from "../services.js";
import { requirePermission, type Actor } from "../domain/actor.js";
import { isDirectIssue } from "../config/grading.js";
import { updateWarning, type Warning } from "../db/queries/warnings.js";
import { writeAudit, type AuditEntry } from "../db/queries/audit.js";
import { assertSmsBudget } from "../templates/preview.js";
import { asInput, loadWarning, validateWarning } from "./load.js";
import { afterCommit, hubTakesDevices, notIssued, releaseApproved } from "./release.js";
import { assertTransition, TRANSITIONS } from "./lifecycle.js";

export async function submitWarning(
  db: Db,
  s: Services,
  actor: Actor,
  { id, requestId }: { id: string; requestId?: string | undefined },
): Promise<Warning> {
  requirePermission(actor, "warning.write");
  return afterCommit(
    s,
    db.transaction(async (tx) => {
      const before = await loadWarning(tx, actor, id, { forUpdate: true });
      assertTransition("submit", before.status, before.id);
      await validateWarning(tx, s, asInput(before));
      await assertSmsBudget(s, before);
      const now = s.now();
      const to = TRANSITIONS.submit.to;
      const pending = await updateWarning(tx, before.id, { status: to, submittedAt: now });
      const audit: AuditEntry = {
        actor: actor.id,
        actorKind: "user",
        action: "warning.submit",
        subjectType: "warning",
        subjectId: before.id,
        before: { status: before.status },
        after: { status: to },
        requestId,
      };
      if (!isDirectIssue(s.policy, before.type, before.level)) {
        await writeAudit(tx, audit);
        return notIssued(pending);
      }
      return releaseApproved(tx, pending, {
        now,
        actor: actor.id,
        requestId,
        approvedBy: null,
        audits: [audit],
        deferDevices: hubTakesDevices(s),
      });
    }),
  );
}
