// What an imported message does, inside one transaction: a new Alert (or an Update of
// something we never received) becomes a reviewed draft, and a Cancel of something we never
// received an ended record; an Update or Cancel of a warning we hold acts on it exactly
// like POST /warnings/{id}/update or /cancel.
import type { Db } from "../../db/client.js";
import type { Services } from "../../services.js";
import { requirePermission, type Actor } from "../../domain/actor.js";
import type { ParsedMessage } from "../../cap/parse.js";
import { storedFields } from "../../domain/warnings/fields.js";
import { newIdentifier } from "../../domain/warnings/identifier.js";
import { AppError } from "../../lib/errors.js";
import { findImported, lockMessage, threadsReferenced } from "../../db/queries/cap.js";
import { insertWarning, type Warning } from "../../db/queries/warnings.js";
import { writeAudit } from "../../db/queries/audit.js";
import type { ImportReport } from "../../cap/from-cap.js";
import { mapWithAreas, provenance, type ImportContext, type Imported } from "./context.js";
import { importCancel, importUpdate } from "./act.js";
import { recordCancel } from "./record.js";
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
  await writeAudit(x.tx, {
    actor: x.actor.id,
    actorKind: "user",
    action: "warning.import",
    subjectType: "warning",
    subjectId: id,
    after: { status: "draft", report },
    requestId: x.requestId,
  });
  return { warning, report };
}

export async function applyImport(x: ImportContext): Promise<Imported> {
  const { alert } = x.msg;
  if (!["Alert", "Update", "Cancel"].includes(alert.msgType)) {
    throw new AppError(
      "validation_failed",
      `msgType ${alert.msgType} carries no warning; only Alert, Update and Cancel are imported`,
      { extra: { msgType: alert.msgType } },
    );
  }
  await lockMessage(x.tx, alert.sender, alert.identifier);
  const dup = await findImported(x.tx, alert.sender, alert.identifier);
  if (dup) {
    throw new AppError(
      "conflict",
      `message ${alert.sender} ${alert.identifier} was already imported as warning ${dup.id}`,
      { extra: { warningId: dup.id } },
    );
  }
  if (alert.msgType === "Alert") return importDraft(x, []);
  const threads = await threadsReferenced(x.tx, alert.references);
  if (threads.length > 1) {
    throw new AppError(
      "validation_failed",
      `${alert.msgType} references messages of ${threads.length} different warnings; one message may act on one warning only`,
      { extra: { threads } },
    );
  }
  if (threads.length === 0) {
    return alert.msgType === "Update" ? importDraft(x, alert.references) : recordCancel(x);
  }
  if (alert.status !== "Actual") {
    throw new AppError(
      "validation_failed",
      `a ${alert.status} message cannot ${alert.msgType.toLowerCase()} a real warning; only status Actual acts on warnings`,
      { extra: { status: alert.status } },
    );
  }
  return alert.msgType === "Cancel" ? importCancel(x, threads[0]!) : importUpdate(x, threads[0]!);
}

/** Import a parsed CAP or national-format message in one transaction: an Alert becomes a
 * draft; an Update or Cancel of a warning we hold acts on it; see applyImport. */
export async function importCap(
  db: Db,
  s: Services,
  actor: Actor,
  { msg, raw, requestId }: { msg: ParsedMessage; raw: string; requestId: string },
): Promise<{ warning: Warning; report: ImportReport }> {
  requirePermission(actor, msg.alert.msgType === "Cancel" ? "warning.cancel" : "warning.write");
  return db.transaction((tx) => applyImport({ tx, s, actor, requestId, msg, raw }));
}
