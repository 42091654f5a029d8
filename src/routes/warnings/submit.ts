import { defineOperation } from "../operation.js";
import { submitWarning, warningDto } from "../../warnings/index.js";
import { ctx } from "../context.js";

export default defineOperation({
  method: "post",
  path: "/api/v1/warnings/:id/submit",
  summary: "Submit a draft for approval (or issue it at once where the type/level policy allows direct issue)",
  tag: "warnings",
  auth: "apiKey",
  success: [200, "the warning, now pending (or issued)"],
  handler: async (c) => {
    const { s, actor, requestId } = ctx(c);
    return c.json(warningDto(await submitWarning(s.db, s, actor, { id: c.req.param("id")!, requestId })));
  },
});
