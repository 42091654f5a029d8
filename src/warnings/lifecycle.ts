// The warning state machine (DESIGN §4), in one place: each action names the states it
// may start from and the state it leads to. Anything else is a 409 that says which state
// the warning is in. `inForce` is the one definition of a warning the public is living under.
import { sql, type SQL } from "drizzle-orm";
import { AppError } from "../lib/errors.js";
import type { WarningStatus } from "../domain/vocabulary.js";

export const TRANSITIONS = {
  create: { from: [], to: "draft" },
  /** An upstream Cancel of a warning we never held is kept born ended: nothing starts
   * from `cancelled`, so it can never be issued as an all-clear (import/record.ts). */
  record: { from: [], to: "cancelled" },
  /** An upstream Cancel ends an imported thread that never went out (nothing to all-clear). */
  withdraw: { from: ["draft", "pending"], to: "cancelled" },
  edit: { from: ["draft"], to: "draft" },
  submit: { from: ["draft"], to: "pending" },
  approve: { from: ["pending"], to: "approved" },
  reject: { from: ["pending"], to: "draft" },
  /** Approved now, or held as `approved` until its scheduled send time. */
  issue: { from: ["approved"], to: "issued" },
  /** The new Update version starts pending; the version it supersedes ends `updated` when it issues. */
  update: { from: ["issued"], to: "pending" },
  supersede: { from: ["issued", "approved"], to: "updated" },
  cancel: { from: ["issued", "approved"], to: "cancelled" },
  expire: { from: ["issued", "approved"], to: "expired" },
} as const satisfies Record<string, { from: readonly WarningStatus[]; to: WarningStatus }>;
export type WarningAction = keyof typeof TRANSITIONS;

export function assertTransition(action: WarningAction, status: WarningStatus, id: string): void {
  const from = TRANSITIONS[action].from as readonly WarningStatus[];
  if (!from.includes(status)) {
    throw new AppError(
      "invalid_state",
      `cannot ${action} warning ${id}: it is ${status}; ${action} needs ${from.join(" or ")}`,
      {
        extra: { currentStatus: status, allowedFrom: from },
      },
    );
  }
}

/** A Cancel message ends its thread: it is never itself updated or cancelled. */
export function assertNotCancelMessage(w: { id: string; msgType: string }): void {
  if (w.msgType === "Cancel") {
    throw new AppError("invalid_state", `warning ${w.id} is a Cancel message; its thread has ended`, {
      extra: { msgType: w.msgType },
    });
  }
}

/** In force: the issued version of its thread, before its expiry. */
export function inForce(w: { status: WarningStatus; expires: Date }, now: Date): boolean {
  return w.status === "issued" && w.expires > now;
}

/** `inForce` as a SQL predicate over a `warnings` row alias. */
export function inForceSql(alias: string, at: Date | string): SQL {
  const a = sql.raw(alias);
  const t = typeof at === "string" ? at : at.toISOString();
  return sql`(${a}.status = 'issued' and ${a}.expires > ${t}::timestamptz)`;
}

/** SQL list of the states an action starts from, for set-based statements. */
export function fromStatesSql(action: WarningAction): SQL {
  return sql.raw(`(${TRANSITIONS[action].from.map((s) => `'${s}'`).join(", ")})`);
}
