import { defineOperation } from "../operation.js";
import { ctx } from "../context.js";
import { loadWarning } from "../../warnings/load.js";
import { warningDto } from "../../warnings/dto.js";

export default defineOperation({
  method: "get",
  path: "/api/v1/warnings/:id",
  summary: "One warning version",
  tag: "warnings",
  auth: "apiKey",
  permission: "read",
  success: [200, "the warning"],
  handler: async (c) => {
    const { s, actor } = ctx(c);
    return c.json(warningDto(await loadWarning(s.db, actor, c.req.param("id")!)));
  },
});
