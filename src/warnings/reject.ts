// Reject: a pending warning goes back to its author as a draft, with the reason.
import type { Db } from "../db/client.js";
import type { Services } from "../services.js";
import { requirePermission, type Actor } from "../domain/actor.js";
import { updateWarning, type Warning } from "../db/queries/warnings.js";
import { writeAudit } from "../db/queries/audit.js";
import { loadWarning } from "./load.js";
import { assertTransition, TRANSITIONS } from "./lifecycle.js";

export async function rejectWarning(
  db: Db,
  _s: Services,
  actor: Actor,
  { id, reason, requestId }: { id: string; reason: string; requestId?: string | undefined },
): Promise<Warning> {
  requirePermission(actor, "warning.approve");
  return db.transaction(async (tx) => {
    const before = await loadWarning(tx, actor, id, { forUpdate: true });
    assertTransition("reject", before.status, before.id);
    const to = TRANSITIONS.reject.to;
    const row = await updateWarning(tx, before.id, { status: to, rejectReason: reason });
    await writeAudit(tx, {
      actor: actor.id,
      actorKind: "user",
      action: "warning.reject",
      subjectType: "warning",
      subjectId: before.id,
      before: { status: before.status },
      after: { status: to, reason },
      requestId,
    });
    return row;
  });
}
