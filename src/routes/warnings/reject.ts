import { z } from "zod";
import { defineOperation } from "../operation.js";
import { requirePermission } from "../../domain/actor.js";
import { rejectWarning, warningDto } from "../../warnings/index.js";
import { ctx } from "../context.js";

const body = z.strictObject({ reason: z.string().trim().min(1).max(1000) });

export default defineOperation({
  method: "post",
  path: "/api/v1/warnings/:id/reject",
  summary: "Send a pending warning back to draft with a reason",
  tag: "warnings",
  auth: "apiKey",
  permission: "warning.approve",
  body,
  bodyOptional: true,
  success: [200, "the warning, back in draft with rejectReason"],
  handler: async (c, req) => {
    const { s, actor, requestId } = ctx(c);
    // Refuse before reading: a viewer's body is never parsed.
    const { reason } = req.body;
    return c.json(warningDto(await rejectWarning(s.db, s, actor, { id: c.req.param("id")!, reason, requestId })));
  },
});
