import { defineOperation } from "../operation.js";
import { approveWarning, warningDto } from "../../warnings/index.js";
import { ctx } from "../context.js";

export default defineOperation({
  method: "post",
  path: "/api/v1/warnings/:id/approve",
  summary: "Approve a pending warning (two-person rule: not its author); it is issued now or at its sendAt",
  tag: "warnings",
  auth: "apiKey",
  success: [200, "the warning, now issued (or approved and scheduled)"],
  handler: async (c) => {
    const { s, actor, requestId } = ctx(c);
    return c.json(warningDto(await approveWarning(s.db, s, actor, { id: c.req.param("id")!, requestId })));
  },
});
