// The warning state machine (DESIGN §4). Each action names the states it may start from;
// anything else is a 409 that says which state the warning is in.
import { AppError } from "../../lib/errors.js";
import type { WarningStatus } from "../vocabulary.js";

export const ACTIONS = {
  edit: ["draft"],
  submit: ["draft"],
  approve: ["pending"],
  reject: ["pending"],
  update: ["issued"],
  cancel: ["issued", "approved"],
} as const satisfies Record<string, readonly WarningStatus[]>;
export type WarningAction = keyof typeof ACTIONS;

export function assertTransition(action: WarningAction, status: WarningStatus, id: string): void {
  const from = ACTIONS[action] as readonly WarningStatus[];
  if (!from.includes(status)) {
    throw new AppError("invalid_state", `cannot ${action} warning ${id}: it is ${status}; ${action} needs ${from.join(" or ")}`, {
      extra: { currentStatus: status, allowedFrom: from },
    });
  }
}

/** A Cancel message ends its thread: it is never itself updated or cancelled. */
export function assertNotCancelMessage(w: { id: string; msgType: string }): void {
  if (w.msgType === "Cancel") {
    throw new AppError("invalid_state", `warning ${w.id} is a Cancel message; its thread has ended`, { extra: { msgType: w.msgType } });
  }
}
