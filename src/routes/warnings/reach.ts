import { defineOperation } from "../operation.js";
import { ctx } from "../context.js";
import { loadWarning } from "../../warnings/load.js";
import { reachOf } from "../../db/queries/reach.js";
import { getUser } from "../../db/queries/users.js";

export default defineOperation({
  method: "get",
  path: "/api/v1/warnings/:id/reach",
  summary:
    "Who the warning would reach if issued now (the approval card): villages, population, people by address, " +
    "devices by kind (online now), broadcast platforms, and its author's name",
  tag: "warnings",
  auth: "apiKey",
  permission: "read",
  success: [
    200,
    "{ villages, population, people, withPhone, withEmail, devices: [{ kind, total, online }], platforms, author: { name } }",
  ],
  handler: async (c) => {
    const { s, actor } = ctx(c);
    const w = await loadWarning(s.db, actor, c.req.param("id")!);
    // The author's name: an approver may not read user records, but signs off on who wrote it.
    const [reach, author] = await Promise.all([reachOf(s.db, w), getUser(s.db, w.createdBy)]);
    return c.json({ ...reach, author: { id: w.createdBy, name: author?.name ?? null } });
  },
});
