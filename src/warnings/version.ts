import { sql } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { insertWarning, type NewWarning, type Warning } from "../db/queries/warnings.js";
import { AppError } from "../lib/errors.js";
import { newIdentifier } from "../domain/warnings/identifier.js";

/** A new message in `source`'s thread (Update or Cancel). Only the latest version of a
 * thread can be superseded: a second, concurrent update is a 409 naming the newer one. */
export async function newVersion(
  tx: Db,
  source: Warning,
  fields: Omit<
    NewWarning,
    | "id"
    | "threadId"
    | "identifier"
    | "sender"
    | "senderName"
    | "agencyCode"
    | "smsSignature"
    | "version"
    | "supersedesId"
  >,
  now: Date,
): Promise<Warning> {
  // The check and the insert go together (pipelined, in either order: the check leaves the
  // new row out by its id); if a newer version exists the 409 below rolls the insert back.
  const id = crypto.randomUUID();
  const [check, inserted] = await Promise.allSettled([
    tx.execute<{ id: string; status: string }>(
      sql`select id, status from warnings where thread_id = ${source.threadId} and version > ${source.version}
          and id <> ${id} order by version desc limit 1`,
    ),
    insertWarning(tx, {
      ...fields,
      id,
      threadId: source.threadId,
      version: source.version + 1,
      supersedesId: source.id,
      identifier: newIdentifier(source.sender, now),
      sender: source.sender,
      senderName: source.senderName,
      // A thread speaks for one agency from its first message to its cancel.
      agencyCode: source.agencyCode,
      smsSignature: source.smsSignature,
    }),
  ]);
  // A failed insert aborts the transaction and fails the check with it: its own error is
  // the one to report.
  const newer = check.status === "fulfilled" ? check.value[0] : undefined;
  if (newer) {
    throw new AppError(
      "invalid_state",
      `warning ${source.id} already has a newer version ${newer.id} (${newer.status})`,
      {
        extra: { newerVersion: newer.id },
      },
    );
  }
  if (inserted.status === "rejected") throw inserted.reason;
  if (check.status === "rejected") throw check.reason;
  return inserted.value;
}
