import { z } from "zod";
import { isoInstant } from "../../lib/storable.js";
import { defineOperation } from "../operation.js";
import { listAudit } from "../../db/queries/audit-read.js";
import { decodeCursor, limitParam, page } from "../pagination.js";

const query = z.strictObject({
  user: z.uuid().optional(),
  action: z
    .string()
    .max(64)
    .regex(/^[a-z_.]+\*?$/, "an action such as user.update, or a prefix such as user.*")
    .optional(),
  from: isoInstant().optional(),
  to: isoInstant().optional(),
  cursor: z.string().optional(),
  limit: limitParam,
});

export default defineOperation({
  method: "get",
  path: "/api/v1/audit",
  summary:
    "The audit trail (admin): changes by or to users in your scope, newest first; " +
    "filter by user (either side), action (or `prefix.*`) and time",
  tag: "audit",
  auth: "apiKey",
  permission: "accounts.manage",
  query,
  success: [200, "{ items, nextCursor }"],
  handler: async (c, req) => {
    const actor = c.get("actor");
    const q = req.query;
    const rows = await listAudit(c.get("services").db, {
      scope: actor.areaScope,
      user: q.user,
      action: q.action,
      from: q.from ? new Date(q.from) : undefined,
      to: q.to ? new Date(q.to) : undefined,
      beforeId: decodeCursor(q.cursor, z.number().int()),
      limit: q.limit,
    });
    return c.json(
      page(
        rows.map((r) => ({ ...r, at: r.at.toISOString() })),
        q.limit,
        (r) => r.id,
      ),
    );
  },
});
