// Approve: a second person (never the author: the two-person rule) signs off a pending
// warning, which is issued now or held until its send time.
import type { Db } from "../db/client.js";
import type { Services } from "../services.js";
import { requirePermission, type Actor } from "../domain/actor.js";
import { AppError } from "../lib/errors.js";
import type { Warning } from "../db/queries/warnings.js";
import type { AuditEntry } from "../db/queries/audit.js";
import { assertSmsBudget } from "../templates/preview.js";
import { asInput, loadWarning, validateWarning } from "./load.js";
import { afterCommit, hubTakesDevices, releaseApproved } from "./release.js";
import { assertTransition, TRANSITIONS } from "./lifecycle.js";

export async function approveWarning(
  db: Db,
  s: Services,
  actor: Actor,
  { id, requestId }: { id: string; requestId?: string | undefined },
): Promise<Warning> {
  requirePermission(actor, "warning.approve");
  return afterCommit(
    s,
    db.transaction(async (tx) => {
      const before = await loadWarning(tx, actor, id, { forUpdate: true });
      assertTransition("approve", before.status, before.id);
      if (before.createdBy === actor.id) {
        throw new AppError("forbidden", "two-person rule: a warning cannot be approved by its author", {
          extra: { rule: "self_approval" },
        });
      }
      await validateWarning(tx, s, asInput(before));
      await assertSmsBudget(s, before);
      const now = s.now();
      const audit: AuditEntry = {
        actor: actor.id,
        actorKind: "user",
        action: "warning.approve",
        subjectType: "warning",
        subjectId: before.id,
        before: { status: before.status },
        after: { status: TRANSITIONS.approve.to },
        requestId,
      };
      return releaseApproved(tx, before, {
        now,
        actor: actor.id,
        requestId,
        approvedBy: actor.id,
        audits: [audit],
        deferDevices: hubTakesDevices(s),
      });
    }),
  );
}
