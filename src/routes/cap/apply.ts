// What an imported message does, inside one transaction: a new Alert (or an Update/Cancel
// of something we never received) becomes a reviewed draft; an Update or Cancel of a
// warning we hold acts on it exactly like POST /warnings/{id}/update or /cancel.
import type { Db } from "../../db/client.js";
import type { Services } from "../../services.js";
import type { Actor } from "../../domain/actor.js";
import { requireScope } from "../../domain/actor.js";
import { storedFields } from "../../domain/warnings/fields.js";
import { newIdentifier } from "../../domain/warnings/identifier.js";
import { checkWarning } from "../../domain/warnings/rules.js";
import { AppError, validationError } from "../../lib/errors.js";
import { existingCodes } from "../../db/queries/areas.js";
import { findImported, threadsReferenced } from "../../db/queries/cap.js";
import { insertWarning, type Warning } from "../../db/queries/warnings.js";
import { writeAudit } from "../../db/queries/audit.js";
import type { ParsedMessage } from "../../cap/parse.js";
import { baseReport, candidateCodes, chooseInfo, mapImport, type ImportReport } from "../../cap/from-cap.js";
import { importCancel, importUpdate } from "./act.js";

export interface ImportContext {
  tx: Db;
  s: Services;
  actor: Actor;
  requestId: string;
  msg: ParsedMessage;
  /** The message as received: kept with the warning, signature and all. */
  raw: string;
}

export interface Imported {
  warning: Warning;
  report: ImportReport;
}

/** Provenance stored in warnings.source: enough to find the thread again from a later
 * upstream Update/Cancel, and the raw XML so a signature can be verified later. */
export function provenance(msg: ParsedMessage, raw: string): Record<string, unknown> {
  const { alert } = msg;
  const info = chooseInfo(msg).info;
  return {
    format: msg.format,
    sender: alert.sender,
    identifier: alert.identifier,
    sent: alert.sent.toISOString(),
    msgType: alert.msgType,
    status: alert.status,
    senderName: msg.senderName ?? info?.senderName ?? null,
    references: alert.references,
    signed: msg.signed,
    signatureVerified: false,
    ...(msg.channelTexts && Object.keys(msg.channelTexts).length ? { channelTexts: msg.channelTexts } : {}),
    raw,
  };
}

export async function mapWithAreas(x: ImportContext) {
  const { info } = chooseInfo(x.msg);
  if (!info) {
    throw new AppError("validation_failed", `${x.msg.alert.msgType} ${x.msg.alert.identifier} has no <info>: there is no warning content to map`, {
      extra: { report: baseReport(x.msg, undefined) },
    });
  }
  const known = await existingCodes(x.tx, candidateCodes(info));
  const mapped = mapImport(x.msg, info, x.s.grading, known);
  mapped.report.ignored.unshift(...chooseInfo(x.msg).ignored);
  // A county-scoped key imports only inside its county; unknown areas say nothing either way.
  requireScope(x.actor, mapped.input.areas.codes);
  mapped.report.issues.push(...checkWarning(mapped.input, { grading: x.s.grading, policy: x.s.policy, existingCodes: known, now: x.s.now() }));
  return mapped;
}

async function importDraft(x: ImportContext, unresolved: ImportReport["unresolvedReferences"]): Promise<Imported> {
  const { input, report } = await mapWithAreas(x);
  report.unresolvedReferences = unresolved;
  const now = x.s.now();
  const id = crypto.randomUUID();
  const warning = await insertWarning(x.tx, {
    id,
    threadId: id,
    identifier: newIdentifier(x.s.config.sender, now),
    sender: x.s.config.sender,
    senderName: x.s.config.senderName,
    createdBy: x.actor.id,
    status: "draft",
    ...storedFields(input, x.s.grading, x.s.policy, x.s.config.senderName),
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
    throw validationError(
      [{ path: "references", code: "unknown_reference", message: `none of ${alert.references.map((r) => `${r.sender},${r.identifier}`).join(" ") || "(no references)"} is a message we hold` }],
      `Cancel ${alert.identifier} references no warning we hold, so there is nothing to cancel`,
    );
  }
  if (alert.status !== "Actual") {
    throw new AppError("validation_failed", `a ${alert.status} message cannot ${alert.msgType.toLowerCase()} a real warning; only status Actual acts on warnings`, { extra: { status: alert.status } });
  }
  return alert.msgType === "Cancel" ? importCancel(x, threads[0]!) : importUpdate(x, threads[0]!);
}
