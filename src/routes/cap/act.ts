// An upstream Update or Cancel of a warning we hold: the same steps, rules and audit rows
// as POST /warnings/{id}/update and /cancel, with the upstream message kept as provenance.
import { assertTransition } from "../../domain/warnings/lifecycle.js";
import { storedFields } from "../../domain/warnings/fields.js";
import { isDirectIssue } from "../../config/grading.js";
import { AppError } from "../../lib/errors.js";
import { latestVersion } from "../../db/queries/cap.js";
import { updateWarning, type Warning } from "../../db/queries/warnings.js";
import { writeAudit } from "../../db/queries/audit.js";
import { baseReport, chooseInfo } from "../../cap/from-cap.js";
import { loadWarning } from "../warnings/load.js";
import { newVersion } from "../warnings/version.js";
import { releaseApproved } from "../warnings/release.js";
import { cancelWarning } from "../warnings/cancel.js";
import { warningDto } from "../warnings/dto.js";
import { mapWithAreas, provenance, type ImportContext, type Imported } from "./context.js";

/** The thread's current version, locked and scope-checked; a thread that already ends in
 * a Cancel takes no further Update or Cancel. */
async function currentVersion(x: ImportContext, threadId: string): Promise<Warning> {
  const latest = await latestVersion(x.tx, threadId);
  const w = await loadWarning(x.tx, x.actor, latest.id, { forUpdate: true });
  if (w.msgType === "Cancel") {
    throw new AppError("invalid_state", `warning thread ${threadId} was already cancelled by version ${w.id}`, { extra: { currentVersion: w.id } });
  }
  return w;
}

export async function importUpdate(x: ImportContext, threadId: string): Promise<Imported> {
  const source = await currentVersion(x, threadId);
  assertTransition("update", source.status, source.id);
  const { input, report } = await mapWithAreas(x);
  report.action = "update";
  // An Update goes out to the public once approved, so it must pass every rule now, as
  // /update requires; a draft import may carry its issues to review instead.
  if (report.issues.length > 0) {
    throw new AppError("validation_failed", `the Update cannot supersede ${source.id}: ${report.issues.map((e) => `${e.path}: ${e.message}`).join("; ")}`, {
      errors: report.issues,
      extra: { report },
    });
  }
  const now = x.s.now();
  const row = await newVersion(x.tx, source, {
    ...storedFields(input, x.s.grading, x.s.policy, source.senderName),
    msgType: "Update",
    status: "pending",
    submittedAt: now,
    createdBy: x.actor.id,
    source: provenance(x.msg, x.raw),
  }, now);
  await writeAudit(x.tx, [
    { actor: x.actor.id, actorKind: "user", action: "warning.update", subjectType: "warning", subjectId: row.id, before: { supersedes: source.id }, after: warningDto(row), requestId: x.requestId },
    { actor: x.actor.id, actorKind: "user", action: "warning.import", subjectType: "warning", subjectId: row.id, after: { report }, requestId: x.requestId },
  ]);
  if (!isDirectIssue(x.s.policy, row.type, row.level)) return { warning: row, report };
  return { warning: await releaseApproved(x.tx, row, { now, actor: x.actor.id, requestId: x.requestId, approvedBy: null }), report };
}

export async function importCancel(x: ImportContext, threadId: string): Promise<Imported> {
  const source = await currentVersion(x, threadId);
  const { info } = chooseInfo(x.msg);
  const report = baseReport(x.msg, info, "cancel");
  const cancelled = await cancelWarning(x.tx, x.s, source, { actor: x.actor.id, requestId: x.requestId, reason: info?.description, now: x.s.now() });
  const warning = await updateWarning(x.tx, cancelled.id, { source: provenance(x.msg, x.raw) });
  await writeAudit(x.tx, { actor: x.actor.id, actorKind: "user", action: "warning.import", subjectType: "warning", subjectId: warning.id, after: { report }, requestId: x.requestId });
  return { warning, report };
}
