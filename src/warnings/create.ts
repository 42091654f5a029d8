// Create: a new draft, the first version of its thread.
import type { Db } from "../db/client.js";
import type { Services } from "../services.js";
import { requirePermission, requireScope, type Actor } from "../domain/actor.js";
import type { WarningInput } from "../domain/warnings/input.js";
import { storedFields } from "../domain/warnings/fields.js";
import { newIdentifier } from "../domain/warnings/identifier.js";
import { insertWarning, type Warning } from "../db/queries/warnings.js";
import { writeAudit } from "../db/queries/audit.js";
import { validateWarning } from "./load.js";
import { warningDto } from "./dto.js";
import { TRANSITIONS } from "./lifecycle.js";
import { issuingOffice, requireAgencyType } from "../domain/agency.js";

export async function createWarning(
  db: Db,
  s: Services,
  actor: Actor,
  { input, requestId }: { input: WarningInput; requestId?: string | undefined },
): Promise<Warning> {
  requirePermission(actor, "warning.write");
  requireScope(actor, input.areas.codes);
  requireAgencyType(actor.agency, input.type);
  await validateWarning(db, s, input);
  const now = s.now();
  const id = crypto.randomUUID();
  // The author's agency speaks for the whole thread: sender, office named, SMS signature.
  const office = issuingOffice(actor.agency, s.config);
  return db.transaction(async (tx) => {
    const row = await insertWarning(tx, {
      id,
      threadId: id,
      identifier: newIdentifier(office.sender, now),
      ...office,
      createdBy: actor.id,
      status: TRANSITIONS.create.to,
      ...storedFields(input, s.grading, s.policy, office.senderName),
    });
    await writeAudit(tx, {
      actor: actor.id,
      actorKind: "user",
      action: "warning.create",
      subjectType: "warning",
      subjectId: id,
      after: warningDto(row),
      requestId,
    });
    return row;
  });
}
