import { defineOperation } from "../operation.js";
import { warningInput } from "../../domain/warnings/input.js";
import { requirePermission } from "../../domain/actor.js";
import { updateWarning, warningDto } from "../../warnings/index.js";
import { ctx } from "../context.js";

export default defineOperation({
  method: "post",
  path: "/api/v1/warnings/:id/update",
  summary: "Supersede an issued warning with an Update version (same approval rule as issue)",
  tag: "warnings",
  auth: "apiKey",
  permission: "warning.write",
  body: warningInput,
  success: [201, "the new version (pending, or issued where policy allows direct issue)"],
  handler: async (c, req) => {
    const { s, actor, requestId } = ctx(c);
    const input = req.body;
    return c.json(warningDto(await updateWarning(s.db, s, actor, { id: c.req.param("id")!, input, requestId })), 201);
  },
});
