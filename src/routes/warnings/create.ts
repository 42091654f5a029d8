import { defineOperation } from "../operation.js";
import { warningInput } from "../../domain/warnings/input.js";
import { createWarning, warningDto } from "../../warnings/index.js";
import { requirePermission } from "../../domain/actor.js";
import { ctx } from "../context.js";

export default defineOperation({
  method: "post",
  path: "/api/v1/warnings",
  summary: "Create a draft warning",
  tag: "warnings",
  auth: "apiKey",
  permission: "warning.write",
  body: warningInput,
  success: [201, "the draft"],
  handler: async (c, req) => {
    const { s, actor, requestId } = ctx(c);
    const input = req.body;
    return c.json(warningDto(await createWarning(s.db, s, actor, { input, requestId })), 201);
  },
});
