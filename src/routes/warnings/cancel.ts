import { z } from "zod";
import { defineOperation } from "../operation.js";
import { readOptionalJson } from "../../http/body.js";
import { requirePermission } from "../../domain/actor.js";
import { assertNotCancelMessage, assertTransition } from "../../domain/warnings/lifecycle.js";
import { defaultHeadline } from "../../domain/warnings/fields.js";
import { updateWarning, type Warning } from "../../db/queries/warnings.js";
import type { Db } from "../../db/client.js";
import type { Services } from "../../services.js";
import { writeAudit } from "../../db/queries/audit.js";
import { issueWarning } from "../../dispatch/issue.js";
import { ctx, loadWarning } from "./load.js";
import { newVersion } from "./version.js";
import { warningDto } from "./dto.js";

const body = z.strictObject({ reason: z.string().trim().min(1).max(2000).optional() });

// Cancel is never slow (DESIGN §4): any issuer or approver in scope, no second person.
export default defineOperation({
  method: "post",
  path: "/api/v1/warnings/:id/cancel",
  summary: "Cancel (解除) a warning at once: issues a Cancel version that sends the all-clear and stops loudspeakers",
  tag: "warnings",
  auth: "apiKey",
  body,
  success: [201, "the Cancel version"],
  handler: async (c) => {
    const { s, actor, requestId } = ctx(c);
    requirePermission(actor, "warning.cancel");
    const { reason } = await readOptionalJson(c, body);
    const w = await s.db.transaction(async (tx) => {
      const source = await loadWarning(tx, actor, c.req.param("id")!, { forUpdate: true });
      return cancelWarning(tx, s, source, { actor: actor.id, requestId, reason, now: s.now() });
    });
    return c.json(warningDto(w), 201);
  },
});

/** Cancels `source` (locked by the caller): a Cancel version issued at once, or, if the
 * warning never went out, both ended quietly. Shared with the CAP import of a Cancel. */
export async function cancelWarning(
  tx: Db,
  s: Services,
  source: Warning,
  opts: { actor: string; requestId?: string | undefined; reason?: string | undefined; now: Date },
): Promise<Warning> {
  const { actor, requestId, reason, now } = opts;
  assertNotCancelMessage(source);
  assertTransition("cancel", source.status, source.id);
  const row = await newVersion(tx, source, {
    msgType: "Cancel",
    status: "approved",
    type: source.type,
    level: source.level,
    urgency: "Past",
    certainty: source.certainty,
    headline: defaultHeadline(s.grading, source.senderName, source, true),
    description: reason ?? source.description,
    instruction: "",
    areaCodes: source.areaCodes,
    polygons: source.polygons,
    audiences: source.audiences,
    channels: source.channels,
    onset: null,
    expires: source.expires > now ? source.expires : new Date(now.getTime() + 3600_000),
    createdBy: actor,
    approvedBy: actor,
    submittedAt: now,
    approvedAt: now,
  }, now);
  await writeAudit(tx, { actor, actorKind: "user", action: "warning.cancel", subjectType: "warning", subjectId: row.id, before: { supersedes: source.id, status: source.status }, after: warningDto(row), requestId });
  if (source.status === "issued") return (await issueWarning(tx, row, { now, actor, requestId })).warning;
  // Never sent (scheduled): nothing to withdraw from the public, so no all-clear goes out.
  await updateWarning(tx, source.id, { status: "cancelled", endedAt: now });
  return updateWarning(tx, row.id, { status: "cancelled", endedAt: now });
}
