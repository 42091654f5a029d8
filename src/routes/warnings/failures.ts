import { defineOperation } from "../operation.js";
import { ctx } from "../context.js";
import { loadWarning } from "../../warnings/load.js";
import { failuresOf } from "../../db/queries/failures.js";

export default defineOperation({
  method: "get",
  path: "/api/v1/warnings/:id/failures",
  summary:
    "Failed deliveries grouped by channel and reason (drill down with /deliveries?status=failed&channel=), " +
    "and the retry backlog per channel: queued deliveries whose last attempt failed transiently",
  tag: "coverage",
  auth: "apiKey",
  permission: "read",
  success: [200, "{ failed: [{ channel, errorCode, count, example }], retrying: [{ channel, count, lastError }] }"],
  handler: async (c) => {
    const { s, actor } = ctx(c);
    const w = await loadWarning(s.db, actor, c.req.param("id")!);
    return c.json(await failuresOf(s.db, w.id));
  },
});
