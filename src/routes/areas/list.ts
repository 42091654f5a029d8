import { z } from "zod";
import { defineOperation } from "../operation.js";
import { requirePermission } from "../../domain/actor.js";
import { isAreaCode } from "../../domain/areas.js";
import { listChildren } from "../../db/queries/areas.js";
import { decodeCursor, limitParam, page } from "../pagination.js";
import { areaDto } from "./dto.js";

const query = z.strictObject({
  parent: z.string().refine(isAreaCode, "not an area code"),
  cursor: z.string().optional(),
  limit: limitParam,
});

export default defineOperation({
  method: "get",
  path: "/api/v1/areas",
  summary: "The children of an area (counties of a city, villages of a township, grids of a village)",
  tag: "areas",
  auth: "apiKey",
  query,
  success: [200, "{ items, nextCursor }"],
  handler: async (c, req) => {
    requirePermission(c.get("actor"), "read");
    const q = req.query;
    const after = decodeCursor(q.cursor, z.string());
    const rows = await listChildren(c.get("services").db, q.parent, { after, limit: q.limit });
    return c.json(page(rows.map(areaDto), q.limit, (a) => a.code));
  },
});
