import { z } from "zod";
import { defineOperation } from "../operation.js";
import { cancelWarning, warningDto } from "../../warnings/index.js";
import { ctx } from "../context.js";

// The reason is the all-clear's own text: without one, residents were re-sent the hazard.
const body = z.strictObject({ reason: z.string().trim().min(1).max(2000) });

export default defineOperation({
  method: "post",
  path: "/api/v1/warnings/:id/cancel",
  summary: "Cancel (解除) a warning at once: issues a Cancel version that sends the all-clear and stops loudspeakers",
  tag: "warnings",
  auth: "apiKey",
  permission: "warning.cancel",
  body,
  success: [201, "the Cancel version"],
  handler: async (c, req) => {
    const { s, actor, requestId } = ctx(c);
    const { reason } = req.body;
    return c.json(warningDto(await cancelWarning(s.db, s, actor, { id: c.req.param("id")!, reason, requestId })), 201);
  },
});
