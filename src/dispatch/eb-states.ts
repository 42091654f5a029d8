// What a county platform reports about a broadcast (read back by polling, or pushed to
// /eb/access) becomes the delivery's state and evidence, in one place for both paths.
import type { Db } from "../db/client.js";
import { recordStates } from "../db/queries/eb-broadcasts.js";
import { writeAudit, type AuditEntry } from "../db/queries/audit.js";
import { applyProviderReports } from "../deliveries/reports.js";
import { statusOfBrdState } from "../../channels/eb/status.js";
import type { StateReport } from "../../channels/eb/parse.js";

export async function applyEbStates(
  tx: Db,
  platform: { id: string; resourceCode: string },
  reports: StateReport[],
  at: Date,
  who: Pick<AuditEntry, "actor" | "actorKind" | "requestId">,
): Promise<{ applied: number; unknown: string[] }> {
  const { applied, unknown } = await recordStates(tx, platform.id, reports, at);
  const byEbm = new Map(reports.map((r) => [r.ebmId, r]));
  const changes = applied.flatMap((a) => {
    const r = byEbm.get(a.ebmId)!;
    const s = statusOfBrdState(a.after, r.desc);
    return s ? [{ providerId: a.ebmId, at: r.at ?? at, ...s }] : [];
  });
  // Keyed by EBMID, which is the delivery's provider id: forward-only and idempotent like
  // any provider callback, and parked if it overtook the recording of the send.
  await applyProviderReports(tx, changes);
  await writeAudit(
    tx,
    applied.map((a) => {
      const r = byEbm.get(a.ebmId)!;
      return {
        ...who,
        action: "eb.broadcast_state",
        subjectType: "delivery",
        subjectId: String(a.deliveryId),
        before: { brdStateCode: a.before },
        after: {
          brdStateCode: a.after,
          brdStateDesc: r.desc,
          ebmId: a.ebmId,
          platform: platform.resourceCode,
          coverage: r.coverage,
          terminals: r.terminals.length,
        },
      };
    }),
  );
  return { applied: applied.length, unknown };
}
