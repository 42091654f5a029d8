// Shared steps of the lifecycle actions: load with scope check, validate against rules.
import { z } from "zod";
import type { Db } from "../db/client.js";
import { getWarning, type Warning } from "../db/queries/warnings.js";
import { existingCodes } from "../db/queries/areas.js";
import { AppError, validationError } from "../lib/errors.js";
import { requireScope, type Actor } from "../domain/actor.js";
import { checkWarning } from "../domain/warnings/rules.js";
import type { WarningInput } from "../domain/warnings/input.js";
import type { Services } from "../services.js";

const uuid = z.uuid();

export async function loadWarning(
  db: Db,
  actor: Actor,
  id: string,
  opts: { forUpdate?: boolean } = {},
): Promise<Warning> {
  if (!uuid.safeParse(id).success) throw new AppError("not_found", `no warning ${id}`);
  const w = await getWarning(db, id, opts);
  if (!w) throw new AppError("not_found", `no warning ${id}`);
  // An imported draft whose areas are all unknown lies in no scope: only its importer
  // (or an admin) may see it until areas are assigned.
  if (w.areaCodes.length === 0 && w.createdBy !== actor.id && actor.role !== "admin") {
    throw new AppError("forbidden", `warning ${id} has no areas yet; only its author can see it`);
  }
  requireScope(actor, w.areaCodes);
  return w;
}

export async function validateWarning(db: Db, s: Services, input: WarningInput): Promise<void> {
  const errors = checkWarning(input, {
    grading: s.grading,
    policy: s.policy,
    existingCodes: await existingCodes(db, input.areas.codes),
    now: s.now(),
  });
  if (errors.length > 0) throw validationError(errors);
}

/** The stored fields of a warning as a WarningInput, to merge a PATCH onto. */
export function asInput(w: Warning): WarningInput {
  return {
    type: w.type,
    level: w.level,
    headline: w.headline,
    description: w.description,
    instruction: w.instruction,
    areas: { codes: w.areaCodes, ...(w.polygons ? { polygons: w.polygons } : {}) },
    audiences: w.audiences as WarningInput["audiences"],
    channels: w.channels as WarningInput["channels"],
    ...(w.onset ? { onset: w.onset } : {}),
    expires: w.expires,
    ...(w.sendAt ? { sendAt: w.sendAt } : {}),
    urgency: w.urgency as WarningInput["urgency"],
    certainty: w.certainty as WarningInput["certainty"],
    ...(w.note ? { note: w.note } : {}),
  };
}
