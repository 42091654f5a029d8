// After approval: issue now, or hold as `approved` until its scheduled send time.
import type { Db } from "../db/client.js";
import { updateWarning, type Warning } from "../db/queries/warnings.js";
import { writeAudit, type AuditEntry } from "../db/queries/audit.js";
import { issueWarning } from "./issue.js";
import { TRANSITIONS } from "./lifecycle.js";

/** `audits`: the caller's entries (its approval), written with the issue's in one insert. */
export async function releaseApproved(
  tx: Db,
  w: Warning,
  opts: {
    now: Date;
    actor: string;
    requestId?: string | undefined;
    approvedBy: string | null;
    audits: AuditEntry[];
  },
): Promise<Warning> {
  const approval = { approvedAt: opts.now, approvedBy: opts.approvedBy };
  if (w.sendAt && w.sendAt > opts.now) {
    await writeAudit(tx, opts.audits);
    return updateWarning(tx, w.id, { status: TRANSITIONS.approve.to, ...approval });
  }
  // Approved and issued in one update (pending → issued): the row is never seen `approved`
  // by anyone else (it is locked), and the audit says both.
  const approved: Warning = { ...w, status: TRANSITIONS.approve.to, ...approval };
  const issued = await issueWarning(tx, approved, {
    now: opts.now,
    actor: opts.actor,
    requestId: opts.requestId,
    audits: opts.audits,
    set: approval,
  });
  return issued.warning;
}
