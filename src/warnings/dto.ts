import type { Warning } from "../db/queries/warnings.js";

export function warningDto(w: Warning) {
  return {
    id: w.id,
    identifier: w.identifier,
    sender: w.sender,
    senderName: w.senderName,
    /** The author's agency code (null: the deployment's default office). */
    agency: w.agencyCode,
    threadId: w.threadId,
    version: w.version,
    supersedesId: w.supersedesId,
    msgType: w.msgType,
    status: w.status,
    type: w.type,
    level: w.level,
    urgency: w.urgency,
    certainty: w.certainty,
    headline: w.headline,
    description: w.description,
    instruction: w.instruction,
    areas: { codes: w.areaCodes, polygons: w.polygons ?? undefined },
    audiences: w.audiences,
    channels: w.channels,
    onset: w.onset?.toISOString() ?? null,
    expires: w.expires.toISOString(),
    sendAt: w.sendAt?.toISOString() ?? null,
    createdBy: w.createdBy,
    approvedBy: w.approvedBy,
    submittedAt: w.submittedAt?.toISOString() ?? null,
    approvedAt: w.approvedAt?.toISOString() ?? null,
    issuedAt: w.issuedAt?.toISOString() ?? null,
    endedAt: w.endedAt?.toISOString() ?? null,
    /** `pending` while the version's deliveries are still being planned (a Cancel's all-clear). */
    planState: w.planState,
    /** Set once the retention job dropped its deliveries: the coverage report stays, the delivery list is empty. */
    ledgerArchivedAt: w.ledgerArchivedAt?.toISOString() ?? null,
    rejectReason: w.rejectReason,
    note: w.note,
    createdAt: w.createdAt.toISOString(),
    updatedAt: w.updatedAt.toISOString(),
  };
}
