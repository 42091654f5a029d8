// Edit: a draft (only drafts) takes a partial change; a changed type or level re-derives
// the default headline unless one was given.
import type { Db } from "../db/client.js";
import type { Services } from "../services.js";
import { requirePermission, requireScope, type Actor } from "../domain/actor.js";
import type { WarningPatch } from "../domain/warnings/input.js";
import { storedFields } from "../domain/warnings/fields.js";
import { updateWarning, type Warning } from "../db/queries/warnings.js";
import { writeAudit } from "../db/queries/audit.js";
import { asInput, loadWarning, validateWarning } from "./load.js";
import { warningDto } from "./dto.js";
import { assertTransition } from "./lifecycle.js";
import { requireAgencyType } from "../domain/agency.js";

export async function editWarning(
  db: Db,
  s: Services,
  actor: Actor,
  { id, patch, requestId }: { id: string; patch: WarningPatch; requestId?: string | undefined },
): Promise<Warning> {
  requirePermission(actor, "warning.write");
  if (patch.type) requireAgencyType(actor.agency, patch.type);
  return db.transaction(async (tx) => {
    const before = await loadWarning(tx, actor, id, { forUpdate: true });
    assertTransition("edit", before.status, before.id);
    const merged = { ...asInput(before), ...patch };
    if (!patch.headline && (patch.type || patch.level)) delete merged.headline;
    requireScope(actor, merged.areas.codes);
    await validateWarning(tx, s, merged);
    const of = { msgType: before.msgType, previous: before };
    const fields = storedFields(merged, s.grading, s.policy, before.senderName, of);
    const row = await updateWarning(tx, before.id, fields);
    await writeAudit(tx, {
      actor: actor.id,
      actorKind: "user",
      action: "warning.edit",
      subjectType: "warning",
      subjectId: before.id,
      before: warningDto(before),
      after: warningDto(row),
      requestId,
    });
    return row;
  });
}
