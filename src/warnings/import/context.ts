// The state of one import and the mapping steps shared by drafts and Update versions.
import type { Db } from "../../db/client.js";
import { writeAudit } from "../../db/queries/audit.js";
import type { Services } from "../../services.js";
import type { Actor } from "../../domain/actor.js";
import { requireScope } from "../../domain/actor.js";
import { checkWarning } from "../../domain/warnings/rules.js";
import { AppError } from "../../lib/errors.js";
import { existingCodes } from "../../db/queries/areas.js";
import type { Warning } from "../../db/queries/warnings.js";
import type { ParsedMessage } from "../../cap/parse.js";
import { baseReport, candidateCodes, chooseInfo, mapImport, type ImportReport } from "../../cap/from-cap.js";

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
  const { info, ignored } = chooseInfo(x.msg);
  if (!info) {
    throw new AppError(
      "validation_failed",
      `${x.msg.alert.msgType} ${x.msg.alert.identifier} has no <info>: there is no warning content to map`,
      {
        extra: { report: baseReport(x.msg, undefined) },
      },
    );
  }
  const known = await existingCodes(x.tx, candidateCodes(info));
  const mapped = mapImport(x.msg, info, x.s.grading, known);
  mapped.report.ignored.unshift(...ignored);
  // A county-scoped key imports only inside its county; unknown areas say nothing either way.
  requireScope(x.actor, mapped.input.areas.codes);
  mapped.report.issues.push(
    ...checkWarning(mapped.input, { grading: x.s.grading, policy: x.s.policy, existingCodes: known, now: x.s.now() }),
  );
  return mapped;
}

/** The audit row every import writes beside the action's own. */
export async function auditImport(x: ImportContext, warningId: string, after: Record<string, unknown>): Promise<void> {
  await writeAudit(x.tx, {
    actor: x.actor.id,
    actorKind: "user",
    action: "warning.import",
    subjectType: "warning",
    subjectId: warningId,
    after,
    requestId: x.requestId,
  });
}
