import { defineOperation } from "../operation.js";
import { requirePermission } from "../../domain/actor.js";
import { assertTransition } from "../../domain/warnings/lifecycle.js";
import { AppError } from "../../lib/errors.js";
import { writeAudit } from "../../db/queries/audit.js";
import { asInput, ctx, loadWarning, validateWarning } from "./load.js";
import { releaseApproved } from "./release.js";
import { warningDto } from "./dto.js";
import { assertSmsBudget } from "../../templates/preview.js";

export default defineOperation({
  method: "post",
  path: "/api/v1/warnings/:id/approve",
  summary: "Approve a pending warning (two-person rule: not its author); it is issued now or at its sendAt",
  tag: "warnings",
  auth: "apiKey",
  success: [200, "the warning, now issued (or approved and scheduled)"],
  handler: async (c) => {
    const { s, actor, requestId } = ctx(c);
    requirePermission(actor, "warning.approve");
    const w = await s.db.transaction(async (tx) => {
      const before = await loadWarning(tx, actor, c.req.param("id")!, { forUpdate: true });
      assertTransition("approve", before.status, before.id);
      if (before.createdBy === actor.id) {
        throw new AppError("forbidden", "two-person rule: a warning cannot be approved by its author", { extra: { rule: "self_approval" } });
      }
      await validateWarning(tx, s, asInput(before));
      await assertSmsBudget(s, before);
      const now = s.now();
      await writeAudit(tx, { actor: actor.id, actorKind: "user", action: "warning.approve", subjectType: "warning", subjectId: before.id, before: { status: before.status }, after: { status: "approved" }, requestId });
      return releaseApproved(tx, before, { now, actor: actor.id, requestId, approvedBy: actor.id });
    });
    return c.json(warningDto(w));
  },
});
