import { defineOperation } from "../operation.js";
import { warningPatch } from "../../domain/warnings/input.js";
import { editWarning, warningDto } from "../../warnings/index.js";
import { requirePermission } from "../../domain/actor.js";
import { ctx } from "../context.js";

export default defineOperation({
  method: "patch",
  path: "/api/v1/warnings/:id",
  summary: "Edit a draft (only drafts can be edited)",
  tag: "warnings",
  auth: "apiKey",
  permission: "warning.write",
  body: warningPatch,
  success: [200, "the edited draft"],
  handler: async (c, req) => {
    const { s, actor, requestId } = ctx(c);
    const patch = req.body;
    return c.json(warningDto(await editWarning(s.db, s, actor, { id: c.req.param("id")!, patch, requestId })));
  },
});
