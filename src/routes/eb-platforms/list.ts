import { z } from "zod";
import { defineOperation } from "../operation.js";
import { requireScope } from "../../domain/actor.js";
import { isAreaCode } from "../../domain/areas.js";
import { listPlatforms } from "../../db/queries/eb-platforms.js";
import { decodeCursor, limitParam, page } from "../pagination.js";
import { platformDto } from "./dto.js";

const query = z.strictObject({
  area: z.string().refine(isAreaCode, "not an area code").optional(),
  cursor: z.string().optional(),
  limit: limitParam,
});

export default defineOperation({
  method: "get",
  path: "/api/v1/eb-platforms",
  summary:
    "County broadcast platforms in an area (default: your scope) with their state (up/down) and last sign of life",
  tag: "eb-platforms",
  auth: "apiKey",
  permission: "read",
  query,
  success: [200, "{ items, nextCursor }"],
  handler: async (c, req) => {
    const actor = c.get("actor");
    const q = req.query;
    const area = q.area ?? actor.areaScope;
    requireScope(actor, [area]);
    const rows = await listPlatforms(c.get("services").db, {
      area,
      afterId: decodeCursor(q.cursor, z.uuid()),
      limit: q.limit,
    });
    return c.json(page(rows.map(platformDto), q.limit, (p) => p.id));
  },
});
