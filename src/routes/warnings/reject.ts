import { z } from "zod";
import { defineOperation } from "../operation.js";
import { readOptionalJson } from "../../http/body.js";
import { requirePermission } from "../../domain/actor.js";
import { assertTransition } from "../../domain/warnings/lifecycle.js";
import { updateWarning } from "../../db/queries/warnings.js";
import { writeAudit } from "../../db/queries/audit.js";
import { ctx, loadWarning } from "./load.js";
import { warningDto } from "./dto.js";

const body = z.strictObject({ reason: z.string().trim().min(1).max(1000) });

export default defineOperation({
  method: "post",
  path: "/api/v1/warnings/:id/reject",
  summary: "Send a pending warning back to draft with a reason",
  tag: "warnings",
  auth: "apiKey",
  body,
  success: [200, "the warning, back in draft with rejectReason"],
  handler: async (c) => {
    const { s, actor, requestId } = ctx(c);
    requirePermission(actor, "warning.approve");
    const { reason } = await readOptionalJson(c, body);
    const w = await s.db.transaction(async (tx) => {
      const before = await loadWarning(tx, actor, c.req.param("id")!, { forUpdate: true });
      assertTransition("reject", before.status, before.id);
      const row = await updateWarning(tx, before.id, { status: "draft", rejectReason: reason });
      await writeAudit(tx, { actor: actor.id, actorKind: "user", action: "warning.reject", subjectType: "warning", subjectId: before.id, before: { status: before.status }, after: { status: "draft", reason }, requestId });
      return row;
    });
    return c.json(warningDto(w));
  },
});
