import { z } from "zod";
import { defineOperation } from "../operation.js";
import { LEVELS, WARNING_STATUSES, WARNING_TYPES } from "../../domain/vocabulary.js";
import { isAreaCode } from "../../domain/areas.js";
import { isoInstant } from "../../lib/storable.js";
import { listWarnings } from "../../db/queries/warnings.js";
import { decodeCursor, limitParam, page } from "../pagination.js";
import { ctx } from "../context.js";
import { warningDto } from "../../warnings/dto.js";

const query = z.strictObject({
  status: z.enum(WARNING_STATUSES).optional(),
  type: z.enum(WARNING_TYPES).optional(),
  level: z.enum(LEVELS).optional(),
  area: z.string().refine(isAreaCode, "not an area code").optional(),
  from: isoInstant().optional(),
  to: isoInstant().optional(),
  cursor: z.string().optional(),
  limit: limitParam,
});
const cursor = z.object({ t: isoInstant({}), id: z.uuid() });

export default defineOperation({
  method: "get",
  path: "/api/v1/warnings",
  summary: "List warnings in your scope, newest first",
  tag: "warnings",
  auth: "apiKey",
  permission: "read",
  query,
  success: [200, "{ items, nextCursor }"],
  handler: async (c, req) => {
    const { s, actor } = ctx(c);
    const q = req.query;
    const after = decodeCursor(q.cursor, cursor);
    const rows = await listWarnings(s.db, {
      scope: actor.areaScope,
      actorId: actor.id,
      status: q.status,
      type: q.type,
      level: q.level,
      area: q.area,
      from: q.from ? new Date(q.from) : undefined,
      to: q.to ? new Date(q.to) : undefined,
      before: after ? { createdAt: new Date(after.t), id: after.id } : undefined,
      limit: q.limit,
    });
    return c.json(page(rows.map(warningDto), q.limit, (w) => ({ t: w.createdAt, id: w.id })));
  },
});
