// An upstream Update or Cancel of a warning we hold: the same steps, rules and audit rows
// as POST /warnings/{id}/update and /cancel, with the upstream message kept as provenance.
import { AppError } from "../../lib/errors.js";
import { earlierIssued, latestVersion } from "../../db/queries/cap.js";
import { updateWarning, type Warning } from "../../db/queries/warnings.js";
import { baseReport, chooseInfo } from "../../cap/from-cap.js";
import { loadWarning } from "../load.js";
import { supersede } from "../update.js";
import { cancelVersion } from "../cancel.js";
import { assertTransition, TRANSITIONS } from "../lifecycle.js";
import { recordCancel } from "./record.js";
import { auditImport, mapWithAreas, provenance, type ImportContext, type Imported } from "./context.js";
import { holdJoinersOut } from "../../dispatch/plan-lock.js";

/** The thread's current version, locked and scope-checked; a thread that already ends in
 * a Cancel takes no further Update or Cancel. */
async function currentVersion(x: ImportContext, threadId: string): Promise<Warning> {
  const latest = await latestVersion(x.tx, threadId);
  const w = await loadWarning(x.tx, x.actor, latest.id, { forUpdate: true });
  if (w.msgType === "Cancel") {
    throw new AppError("invalid_state", `warning thread ${threadId} was already cancelled by version ${w.id}`, {
      extra: { currentVersion: w.id },
    });
  }
  return w;
}

export async function importUpdate(x: ImportContext, threadId: string): Promise<Imported> {
  const { input, report } = await mapWithAreas(x);
  // Before the current version's row is locked: this may issue its successor, in these
  // areas (plan-lock.ts).
  await holdJoinersOut(x.tx, input.areas.codes);
  const source = await currentVersion(x, threadId);
  assertTransition("update", source.status, source.id);
  report.action = "update";
  // An Update goes out to the public once approved, so it must pass every rule now, as
  // /update requires; a draft import may carry its issues to review instead.
  if (report.issues.length > 0) {
    throw new AppError(
      "validation_failed",
      `the Update cannot supersede ${source.id}: ${report.issues.map((e) => `${e.path}: ${e.message}`).join("; ")}`,
      {
        errors: report.issues,
        extra: { report },
      },
    );
  }
  // Its device commands, if it issued, go out on its notice: the import's transaction
  // commits further up.
  const { warning } = await supersede(x.tx, x.s, x.actor, source, input, {
    requestId: x.requestId,
    provenance: provenance(x.msg, x.raw),
  });
  await auditImport(x, warning.id, { report });
  return { warning, report };
}

export async function importCancel(x: ImportContext, threadId: string): Promise<Imported> {
  const source = await currentVersion(x, threadId);
  // Joined mid-stream at an Update that never went out here: nothing to all-clear.
  const open = source.source !== null && (TRANSITIONS.withdraw.from as readonly string[]).includes(source.status);
  if (open && source.issuedAt === null && (await earlierIssued(x.tx, source)).length === 0) {
    return recordCancel(x, source);
  }
  const { info } = chooseInfo(x.msg);
  const report = baseReport(x.msg, info, "cancel");
  const cancelled = await cancelVersion(x.tx, x.s, source, {
    actor: x.actor.id,
    requestId: x.requestId,
    reason: info?.description,
    now: x.s.now(),
  });
  const warning = await updateWarning(x.tx, cancelled.id, { source: provenance(x.msg, x.raw) });
  await auditImport(x, warning.id, { report });
  return { warning, report };
}
