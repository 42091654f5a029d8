// Cancel is never slow (DESIGN §4): any issuer or approver in scope, no second person. A
// Cancel version is issued at once (the all-clear, and loudspeakers stop); a warning that
// never went out (scheduled) ends quietly with its Cancel.
import type { Db } from "../db/client.js";
import type { Services } from "../services.js";
import { requirePermission, type Actor } from "../domain/actor.js";
import { defaultHeadline } from "../domain/warnings/fields.js";
import { updateWarning, type Warning } from "../db/queries/warnings.js";
import { writeAudit, type AuditEntry } from "../db/queries/audit.js";
import { loadWarning } from "./load.js";
import { newVersion } from "./version.js";
import { issueWarning } from "./issue.js";
import { warningDto } from "./dto.js";
import { assertNotCancelMessage, assertTransition, TRANSITIONS } from "./lifecycle.js";

export async function cancelWarning(
  db: Db,
  s: Services,
  actor: Actor,
  { id, reason, requestId }: { id: string; reason: string; requestId?: string | undefined },
): Promise<Warning> {
  requirePermission(actor, "warning.cancel");
  return db.transaction(async (tx) => {
    const source = await loadWarning(tx, actor, id, { forUpdate: true });
    return cancelVersion(tx, s, source, { actor: actor.id, requestId, reason, now: s.now() });
  });
}

/** Cancels `source` (locked by the caller). Shared with the CAP import of a Cancel. */
export async function cancelVersion(
  tx: Db,
  s: Services,
  source: Warning,
  opts: { actor: string; requestId?: string | undefined; reason?: string | undefined; now: Date },
): Promise<Warning> {
  const { actor, requestId, reason, now } = opts;
  assertNotCancelMessage(source);
  assertTransition("cancel", source.status, source.id);
  const row = await newVersion(
    tx,
    source,
    {
      msgType: "Cancel",
      status: TRANSITIONS.approve.to,
      type: source.type,
      level: source.level,
      urgency: "Past",
      certainty: source.certainty,
      headline: defaultHeadline(s.grading, source.senderName, source, "Cancel"),
      description: reason ?? source.description,
      instruction: "",
      areaCodes: source.areaCodes,
      polygons: source.polygons,
      audiences: source.audiences,
      channels: source.channels,
      onset: null,
      expires: source.expires > now ? source.expires : new Date(now.getTime() + 3600_000),
      createdBy: actor,
      approvedBy: actor,
      submittedAt: now,
      approvedAt: now,
    },
    now,
  );
  const audit: AuditEntry = {
    actor,
    actorKind: "user",
    action: "warning.cancel",
    subjectType: "warning",
    subjectId: row.id,
    before: { supersedes: source.id, status: source.status },
    after: warningDto(row),
    requestId,
  };
  // Written with the issue's own entries, in one insert.
  if (source.status === "issued")
    return (await issueWarning(tx, row, { now, actor, requestId, audits: [audit] })).warning;
  await writeAudit(tx, audit);
  const ended = TRANSITIONS.cancel.to;
  await updateWarning(tx, source.id, { status: ended, endedAt: now });
  return updateWarning(tx, row.id, { status: ended, endedAt: now });
}
