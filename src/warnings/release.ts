// After approval: issue now, or hold as `approved` until its scheduled send time.
import type { Db } from "../db/client.js";
import { updateWarning, type Warning } from "../db/queries/warnings.js";
import { issueWarning } from "./issue.js";
import { TRANSITIONS } from "./lifecycle.js";

export async function releaseApproved(
  tx: Db,
  w: Warning,
  opts: { now: Date; actor: string; requestId?: string | undefined; approvedBy: string | null },
): Promise<Warning> {
  const approved = await updateWarning(tx, w.id, {
    status: TRANSITIONS.approve.to,
    approvedAt: opts.now,
    approvedBy: opts.approvedBy,
  });
  if (w.sendAt && w.sendAt > opts.now) return approved;
  return (await issueWarning(tx, approved, { now: opts.now, actor: opts.actor, requestId: opts.requestId })).warning;
}
