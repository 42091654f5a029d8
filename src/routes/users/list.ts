import { z } from "zod";
import { defineOperation } from "../operation.js";
import { listUsers } from "../../db/queries/users.js";
import { decodeCursor, limitParam, page } from "../pagination.js";
import { userDto } from "./dto.js";

const query = z.strictObject({
  agency: z.string().max(32).optional(),
  cursor: z.string().optional(),
  limit: limitParam,
});

export default defineOperation({
  method: "get",
  path: "/api/v1/users",
  summary: "Users whose scope lies within yours (admin), by username",
  tag: "users",
  auth: "apiKey",
  permission: "accounts.manage",
  query,
  success: [200, "{ items, nextCursor }"],
  handler: async (c, req) => {
    const actor = c.get("actor");
    const q = req.query;
    const rows = await listUsers(c.get("services").db, {
      scope: actor.areaScope,
      agency: q.agency,
      afterUsername: decodeCursor(q.cursor, z.string()),
      limit: q.limit,
    });
    return c.json(page(rows.map(userDto), q.limit, (u) => u.username));
  },
});
