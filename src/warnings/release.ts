// After approval: issue now, or hold as `approved` until its scheduled send time.
import type { Db } from "../db/client.js";
import { updateWarning, type Warning } from "../db/queries/warnings.js";
import { writeAudit, type AuditEntry } from "../db/queries/audit.js";
import type { Services } from "../services.js";
import { errorFields } from "../lib/log.js";
import type { DeviceCommandRow } from "../deliveries/device-commands.js";
import { issueWarning } from "./issue.js";
import { writeUnsentCommands } from "../deliveries/device-sends.js";
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
 * what was just written. Commands reserved for that hub to write (`unwritten`) are written
 * `queued` here if it cannot take them, and their notice then delivers them. */
export async function handOff(s: Services, { warning, commands }: Released): Promise<Warning> {
  if (commands.length === 0) return warning;
  try {
    if (!s.onDeviceCommands) {
      if (!commands.some((c) => c.unwritten)) return warning;
      throw new Error("no device hub in this process");
    }
    s.onDeviceCommands(commands, warning);
  } catch (e) {
    // The issue has committed, and the request succeeded: its notice delivers the rest.
    s.log.error("hand-off of device commands failed", { warningId: warning.id, ...errorFields(e) });
    // If this fails too, the reservation's hold runs out and they are written then.
    await writeUnsentCommands(s.db, commands).catch((e2: unknown) =>
      s.log.error("writing device commands failed", { warningId: warning.id, ...errorFields(e2) }),
    );
  }
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
