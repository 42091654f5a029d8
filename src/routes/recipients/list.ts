import { z } from "zod";
import { defineOperation } from "../operation.js";
import { requireScope } from "../../domain/actor.js";
import { AUDIENCES } from "../../domain/vocabulary.js";
import { isAreaCode } from "../../domain/areas.js";
import { listRecipients } from "../../db/queries/recipients.js";
import { decodeCursor, limitParam, page } from "../pagination.js";
import { recipientDto } from "./dto.js";

const query = z.strictObject({
  area: z.string().refine(isAreaCode, "not an area code"),
  audience: z.enum(AUDIENCES).optional(),
  q: z.string().trim().min(1).max(40).optional(),
  cursor: z.string().optional(),
  limit: limitParam,
});

export default defineOperation({
  method: "get",
  path: "/api/v1/recipients",
  summary:
    "People in an area (at any level); `q` searches name, phone or the name of their village, township or county",
  tag: "recipients",
  auth: "apiKey",
  permission: "read",
  query,
  success: [200, "{ items, nextCursor }"],
  handler: async (c, req) => {
    const actor = c.get("actor");
    const q = req.query;
    requireScope(actor, [q.area]);
    const afterId = decodeCursor(q.cursor, z.number().int());
    const rows = await listRecipients(c.get("services").db, {
      area: q.area,
      afterId,
      limit: q.limit,
      audience: q.audience,
      q: q.q,
    });
    return c.json(page(rows.map(recipientDto), q.limit, (r) => r.id));
  },
});
