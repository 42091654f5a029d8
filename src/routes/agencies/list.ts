import { z } from "zod";
import { defineOperation } from "../operation.js";
import { requirePermission } from "../../domain/actor.js";
import { listAgencies } from "../../db/queries/agencies.js";
import { decodeCursor, limitParam, page } from "../pagination.js";
import { agencyDto } from "./dto.js";

const query = z.strictObject({ cursor: z.string().optional(), limit: limitParam });

export default defineOperation({
  method: "get",
  path: "/api/v1/agencies",
  summary: "Agencies (发布单位): name, CAP sender id, SMS signature, the warning types each may issue, area scope",
  tag: "agencies",
  auth: "apiKey",
  query,
  success: [200, "{ items, nextCursor }"],
  handler: async (c, req) => {
    requirePermission(c.get("actor"), "read");
    const q = req.query;
    const rows = await listAgencies(c.get("services").db, {
      after: decodeCursor(q.cursor, z.string()),
      limit: q.limit,
    });
    return c.json(page(rows.map(agencyDto), q.limit, (a) => a.code));
  },
});
