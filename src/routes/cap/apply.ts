// What an imported message does, inside one transaction: a new Alert (or an Update/Cancel
// of something we never received) becomes a reviewed draft; an Update or Cancel of a
// warning we hold acts on it exactly like POST /warnings/{id}/update or /cancel.
import { storedFields } from "../../domain/warnings/fields.js";
import { newIdentifier } from "../../domain/warnings/identifier.js";
import { AppError } from "../../lib/errors.js";
import { findImported, lockMessage, threadsReferenced } from "../../db/queries/cap.js";
import { insertWarning } from "../../db/queries/warnings.js";
import { writeAudit } from "../../db/queries/audit.js";
import type { ImportReport } from "../../cap/from-cap.js";
import { mapWithAreas, provenance, type ImportContext, type Imported } from "./context.js";
import { importCancel, importUpdate } from "./act.js";
import { issuingOffice } from "../../domain/agency.js";

async function importDraft(x: ImportContext, unresolved: ImportReport["unresolvedReferences"]): Promise<Imported> {
  const { input, report } = await mapWithAreas(x);
  report.unresolvedReferences = unresolved;
  const now = x.s.now();
  const id = crypto.randomUUID();
  // The draft is re-issued in the importer's name (its agency), not the upstream sender's.
  const office = issuingOffice(x.actor.agency, x.s.config);
  const warning = await insertWarning(x.tx, {
    id,
    threadId: id,
    identifier: newIdentifier(office.sender, now),
    ...office,
    createdBy: x.actor.id,
    status: "draft",
    ...storedFields(input, x.s.grading, x.s.policy, office.senderName),
    source: provenance(x.msg, x.raw),
  });
  await writeAudit(x.tx, { actor: x.actor.id, actorKind: "user", action: "warning.import", subjectType: "warning", subjectId: id, after: { status: "draft", report }, requestId: x.requestId });
  return { warning, report };
}

export async function applyImport(x: ImportContext): Promise<Imported> {
  const { alert } = x.msg;
  if (!["Alert", "Update", "Cancel"].includes(alert.msgType)) {
    throw new AppError("validation_failed", `msgType ${alert.msgType} carries no warning; only Alert, Update and Cancel are imported`, { extra: { msgType: alert.msgType } });
  }
  await lockMessage(x.tx, alert.sender, alert.identifier);
  const dup = await findImported(x.tx, alert.sender, alert.identifier);
  if (dup) {
    throw new AppError("conflict", `message ${alert.sender} ${alert.identifier} was already imported as warning ${dup.id}`, { extra: { warningId: dup.id } });
  }
  if (alert.msgType === "Alert") return importDraft(x, []);
  const threads = await threadsReferenced(x.tx, alert.references);
  if (threads.length > 1) {
    throw new AppError("validation_failed", `${alert.msgType} references messages of ${threads.length} different warnings; one message may act on one warning only`, { extra: { threads } });
  }
  if (threads.length === 0) {
    if (alert.msgType === "Update") return importDraft(x, alert.references);
    throw new AppError("validation_failed", `Cancel ${alert.identifier} references no warning we hold, so there is nothing to cancel`, {
      errors: [{ path: "references", code: "unknown_reference", message: `none of ${alert.references.map((r) => `${r.sender},${r.identifier}`).join(" ") || "(no references)"} is a message we hold` }],
      extra: { unresolvedReferences: alert.references },
    });
  }
  if (alert.status !== "Actual") {
    throw new AppError("validation_failed", `a ${alert.status} message cannot ${alert.msgType.toLowerCase()} a real warning; only status Actual acts on warnings`, { extra: { status: alert.status } });
  }
  return alert.msgType === "Cancel" ? importCancel(x, threads[0]!) : importUpdate(x, threads[0]!);
}
