import { defineOperation } from "../operation.js";
import { requirePermission } from "../../domain/actor.js";
import { assertTransition } from "../../domain/warnings/lifecycle.js";
import { isDirectIssue } from "../../config/grading.js";
import { updateWarning } from "../../db/queries/warnings.js";
import { writeAudit } from "../../db/queries/audit.js";
import { asInput, ctx, loadWarning, validateWarning } from "./load.js";
import { releaseApproved } from "./release.js";
import { warningDto } from "./dto.js";
import { assertSmsBudget } from "../../templates/preview.js";

export default defineOperation({
  method: "post",
  path: "/api/v1/warnings/:id/submit",
  summary: "Submit a draft for approval (or issue it at once where the type/level policy allows direct issue)",
  tag: "warnings",
  auth: "apiKey",
  success: [200, "the warning, now pending (or issued)"],
  handler: async (c) => {
    const { s, actor, requestId } = ctx(c);
    requirePermission(actor, "warning.write");
    const w = await s.db.transaction(async (tx) => {
      const before = await loadWarning(tx, actor, c.req.param("id")!, { forUpdate: true });
      assertTransition("submit", before.status, before.id);
      await validateWarning(tx, s, asInput(before));
      await assertSmsBudget(s, before);
      const now = s.now();
      const pending = await updateWarning(tx, before.id, { status: "pending", submittedAt: now });
      await writeAudit(tx, { actor: actor.id, actorKind: "user", action: "warning.submit", subjectType: "warning", subjectId: before.id, before: { status: before.status }, after: { status: "pending" }, requestId });
      if (!isDirectIssue(s.policy, before.type, before.level)) return pending;
      return releaseApproved(tx, pending, { now, actor: actor.id, requestId, approvedBy: null });
    });
    return c.json(warningDto(w));
  },
});
