import { z } from "zod";
import { defineOperation } from "../operation.js";
import { codePrefix } from "../../domain/areas.js";
import { coverageSummary } from "../../domain/coverage-summary.js";
import { coverageTotals } from "../../db/queries/coverage.js";
import { isoInstant } from "../../lib/storable.js";

const query = z.strictObject({
  from: isoInstant().optional(),
  to: isoInstant().optional(),
});

export default defineOperation({
  method: "get",
  path: "/api/v1/coverage/summary",
  summary:
    "Coverage of the warnings issued in a time range (default: last 24 h): major (red/orange, target >93%) and all (>90%)",
  tag: "coverage",
  auth: "apiKey",
  permission: "read",
  query,
  success: [200, "{ major, all, warnings[] }"],
  handler: async (c, req) => {
    const { db, now } = c.get("services");
    const actor = c.get("actor");
    const q = req.query;
    const to = q.to ? new Date(q.to) : now();
    const from = q.from ? new Date(q.from) : new Date(to.getTime() - 86_400_000);
    const ws = await coverageTotals(db, { from, to, scopePrefix: codePrefix(actor.areaScope) });
    return c.json({
      from: from.toISOString(),
      to: to.toISOString(),
      ...coverageSummary(ws),
      warnings: ws.map((w) => ({
        ...w,
        issuedAt: w.issuedAt.toISOString(),
        rate: w.population > 0 ? w.reached / w.population : null,
      })),
    });
  },
});
