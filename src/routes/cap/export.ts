import { defineOperation } from "../operation.js";
import { ctx } from "../context.js";
import { loadWarning } from "../../warnings/load.js";
import { CAP_CONTENT_TYPE, capDocument } from "./document.js";

export default defineOperation({
  method: "get",
  path: "/api/v1/warnings/:id/cap",
  summary: "The CAP 1.2 document of one warning version (drafts included, for review)",
  tag: "cap",
  auth: "apiKey",
  permission: "read",
  success: [200, "CAP 1.2 XML"],
  responseType: "application/cap+xml",
  handler: async (c) => {
    const { s, actor } = ctx(c);
    const w = await loadWarning(s.db, actor, c.req.param("id")!);
    return c.body(await capDocument(s.db, s.grading, w), 200, { "content-type": CAP_CONTENT_TYPE });
  },
});
