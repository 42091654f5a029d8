import { z } from "zod";
import type { Context } from "hono";
import { defineOperation } from "../operation.js";
import { requirePermission } from "../../domain/actor.js";
import { buildCoverage, type CoverageReport } from "../../domain/coverage.js";
import { coverageTimeline, villageCoverage } from "../../db/queries/coverage.js";
import { toCsv } from "../../lib/csv.js";
import { CHANNELS } from "../../domain/vocabulary.js";
import type { AppEnv } from "../../http/env.js";
import { ctx } from "../context.js";
import { loadWarning } from "../../warnings/load.js";

const query = z.strictObject({ by: z.enum(["county", "township", "village"]).default("village") });

async function report(
  c: Context<AppEnv>,
  by: z.output<typeof query>["by"],
): Promise<CoverageReport & { planState: string; ledgerArchivedAt: string | null }> {
  const { s, actor } = ctx(c);
  requirePermission(actor, "read");
  const w = await loadWarning(s.db, actor, c.req.param("id")!);
  const [villages, curve] = await Promise.all([villageCoverage(s.db, w.id), coverageTimeline(s.db, w.id)]);
  // While the plan is pending the denominator is whole but `targeted` still grows: say so.
  return {
    ...buildCoverage({ warningId: w.id, level: w.level, issuedAt: w.issuedAt, by, villages, curve }),
    planState: w.planState,
    // The figures come from counters kept apart from the deliveries, so they survive retention.
    ledgerArchivedAt: w.ledgerArchivedAt?.toISOString() ?? null,
  };
}

export const coverageJson = defineOperation({
  method: "get",
  path: "/api/v1/warnings/:id/coverage",
  summary: "Coverage (DESIGN §7) per county, township or village and per channel, with time to 50% and 90%",
  tag: "coverage",
  auth: "apiKey",
  query,
  success: [200, "the coverage report"],
  handler: async (c, req) => c.json(await report(c, req.query.by)),
});

const STAGES = ["targeted", "sent", "delivered", "acknowledged", "failed", "expired", "reached"] as const;

export const coverageCsv = defineOperation({
  method: "get",
  path: "/api/v1/warnings/:id/coverage.csv",
  summary: "The coverage report as CSV, one row per area at the `by` level",
  tag: "coverage",
  auth: "apiKey",
  query,
  responseType: "text/csv",
  success: [200, "CSV"],
  handler: async (c, req) => {
    const r = await report(c, req.query.by);
    const header = [
      "code",
      "name",
      "population",
      "reached",
      "rate",
      "villages",
      "villages_not_reached",
      ...CHANNELS.flatMap((ch) => STAGES.map((st) => `${ch}_${st}`)),
    ];
    const rows = r.areas.map((a) => [
      a.code,
      a.name,
      a.population,
      a.reached,
      a.rate === null ? "" : a.rate.toFixed(4),
      a.villages,
      a.villagesNotReached,
      ...CHANNELS.flatMap((ch) => STAGES.map((st) => a.channels[ch]?.[st] ?? 0)),
    ]);
    return c.body(toCsv(header, rows), 200, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="coverage-${r.warningId}-${r.by}.csv"`,
    });
  },
});
