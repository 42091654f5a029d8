import { z } from "zod";
import { defineOperation } from "../operation.js";
import { requirePermission } from "../../domain/actor.js";
import { searchAreas } from "../../db/queries/areas.js";
import { areaDto } from "./dto.js";

const query = z.strictObject({
  q: z.string().trim().min(1, "type part of a name or the start of a code").max(40),
  limit: z.coerce.number().int().min(1).max(100).default(30),
});

export default defineOperation({
  method: "get",
  path: "/api/v1/areas/search",
  summary:
    "Counties, townships, villages and grids by name (contains) or code (starts with), with their parents' names",
  tag: "areas",
  auth: "apiKey",
  query,
  success: [200, "{ items: [area & { parentName, grandparentName }] }"],
  handler: async (c, req) => {
    requirePermission(c.get("actor"), "read");
    const q = req.query;
    const rows = await searchAreas(c.get("services").db, q.q, q.limit);
    return c.json({
      items: rows.map((a) => ({ ...areaDto(a), parentName: a.parentName, grandparentName: a.grandparentName })),
    });
  },
});
