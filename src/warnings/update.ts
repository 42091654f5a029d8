// Update: an issued warning is superseded by a new version of its thread (msgType Update),
// under the same approval rule as issue; it re-targets and re-sends when it issues.
import type { Db } from "../db/client.js";
import type { Services } from "../services.js";
import { requirePermission, requireScope, type Actor } from "../domain/actor.js";
import type { WarningInput } from "../domain/warnings/input.js";
import { storedFields } from "../domain/warnings/fields.js";
import { isDirectIssue } from "../config/grading.js";
import type { Warning } from "../db/queries/warnings.js";
import { writeAudit, type AuditEntry } from "../db/queries/audit.js";
import { assertSmsBudget } from "../templates/preview.js";
import { loadWarning, validateWarning } from "./load.js";
import { newVersion } from "./version.js";
import { afterCommit, hubTakesDevices, notIssued, releaseApproved, type Released } from "./release.js";
import { warningDto } from "./dto.js";
import { assertNotCancelMessage, assertTransition, TRANSITIONS } from "./lifecycle.js";
import { requireAgencyType } from "../domain/agency.js";
import { holdJoinersOut } from "../dispatch/plan-lock.js";

export async function updateWarning(
  db: Db,
  s: Services,
  actor: Actor,
  { id, input, requestId }: { id: string; input: WarningInput; requestId?: string | undefined },
): Promise<Warning> {
  requirePermission(actor, "warning.write");
  requireScope(actor, input.areas.codes);
  return afterCommit(
    s,
    db.transaction(async (tx) => {
      // Before the issued version's row is locked: this may issue its successor (plan-lock.ts).
      await holdJoinersOut(tx, input.areas.codes);
      const source = await loadWarning(tx, actor, id, { forUpdate: true });
      return supersede(tx, s, actor, source, input, { requestId, deferDevices: hubTakesDevices(s) });
    }),
  );
}

/** The Update version of `source` (locked by the caller). Shared with the CAP import of
 * an upstream Update, which passes the message it came from as provenance. */
export async function supersede(
  tx: Db,
  s: Services,
  actor: Actor,
  source: Warning,
  input: WarningInput,
  opts: {
    requestId?: string | undefined;
    provenance?: Record<string, unknown>;
    /** The caller hands the commands off (afterCommit): see issueWarning. */
    deferDevices?: boolean;
  },
): Promise<Released> {
  requireScope(actor, input.areas.codes);
  requireAgencyType(actor.agency, input.type);
  assertNotCancelMessage(source);
  assertTransition("update", source.status, source.id);
  await validateWarning(tx, s, input);
  const now = s.now();
  const row = await newVersion(
    tx,
    source,
    {
      ...storedFields(input, s.grading, s.policy, source.senderName, { msgType: "Update", previous: source }),
      msgType: "Update",
      status: TRANSITIONS.update.to,
      submittedAt: now,
      createdBy: actor.id,
      ...(opts.provenance ? { source: opts.provenance } : {}),
    },
    now,
  );
  await assertSmsBudget(s, row);
  const audit: AuditEntry = {
    actor: actor.id,
    actorKind: "user",
    action: "warning.update",
    subjectType: "warning",
    subjectId: row.id,
    before: { supersedes: source.id },
    after: warningDto(row),
    requestId: opts.requestId,
  };
  if (!isDirectIssue(s.policy, row.type, row.level)) {
    await writeAudit(tx, audit);
    return notIssued(row);
  }
  return releaseApproved(tx, row, {
    now,
    actor: actor.id,
    requestId: opts.requestId,
    approvedBy: null,
    audits: [audit],
    deferDevices: opts.deferDevices ?? false,
  });
}
