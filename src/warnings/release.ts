// After approval: issue now, or hold as `approved` until its scheduled send time.
import type { Db } from "../db/client.js";
import { updateWarning, type Warning } from "../db/queries/warnings.js";
import { writeAudit, type AuditEntry } from "../db/queries/audit.js";
import type { Services } from "../services.js";
import type { DeviceCommandRow } from "../deliveries/device-commands.js";
import { issueWarning } from "./issue.js";
import { handToHub } from "../deliveries/device-sends.js";
import { TRANSITIONS } from "./lifecycle.js";

/** What a transaction that may issue leaves for after its commit: the warning, and the
 * device commands its plan wrote (none when it did not issue). */
export interface Released {
  warning: Warning;
  commands: DeviceCommandRow[];
}

export const notIssued = (warning: Warning): Released => ({ warning, commands: [] });

/** Hands the device commands of a committed issue to the hub in this process
 * (Services.onDeviceCommands): they leave without waiting for their notice and a read of
 * what was just written (deliveries/device-sends.ts handToHub). The request has succeeded
 * whatever the hand-off does. */
export async function handOff(s: Services, { warning, commands }: Released): Promise<Warning> {
  await handToHub(s.db, s.onDeviceCommands, commands, warning, s.log);
  return warning;
}

/** Awaits a transaction that may issue, then hands off what it issued (handOff). */
export const afterCommit = async (s: Services, transaction: Promise<Released>): Promise<Warning> =>
  handOff(s, await transaction);

/** Whether an issue may leave its device commands' rows to the hub in this process. */
export const hubTakesDevices = (s: Services): boolean => s.onDeviceCommands !== undefined;

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
    /** hubTakesDevices: see issueWarning. */
    deferDevices?: boolean;
  },
): Promise<Released> {
  const approval = { approvedAt: opts.now, approvedBy: opts.approvedBy };
  if (w.sendAt && w.sendAt > opts.now) {
    await writeAudit(tx, opts.audits);
    return notIssued(await updateWarning(tx, w.id, { status: TRANSITIONS.approve.to, ...approval }));
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
    deferDevices: opts.deferDevices ?? false,
  });
  return { warning: issued.warning, commands: issued.plan.commands };
}
