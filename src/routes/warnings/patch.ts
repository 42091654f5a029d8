import { defineOperation } from "../operation.js";
import { readJson } from "../../http/body.js";
import { warningPatch } from "../../domain/warnings/input.js";
import { requirePermission, requireScope } from "../../domain/actor.js";
import { storedFields } from "../../domain/warnings/fields.js";
import { assertTransition } from "../../domain/warnings/lifecycle.js";
import { updateWarning } from "../../db/queries/warnings.js";
import { writeAudit } from "../../db/queries/audit.js";
import { asInput, ctx, loadWarning, validateWarning } from "./load.js";
import { warningDto } from "./dto.js";
import { requireAgencyType } from "../../domain/agency.js";

export default defineOperation({
  method: "patch",
  path: "/api/v1/warnings/:id",
  summary: "Edit a draft (only drafts can be edited)",
  tag: "warnings",
  auth: "apiKey",
  body: warningPatch,
  success: [200, "the edited draft"],
  handler: async (c) => {
    const { s, actor, requestId } = ctx(c);
    requirePermission(actor, "warning.write");
    const patch = await readJson(c, warningPatch);
    if (patch.type) requireAgencyType(actor.agency, patch.type);
    const w = await s.db.transaction(async (tx) => {
      const before = await loadWarning(tx, actor, c.req.param("id")!, { forUpdate: true });
      assertTransition("edit", before.status, before.id);
      const merged = { ...asInput(before), ...patch };
      // A changed type or level re-derives the default headline unless one was given.
      if (!patch.headline && (patch.type || patch.level)) delete merged.headline;
      requireScope(actor, merged.areas.codes);
      await validateWarning(tx, s, merged);
      const row = await updateWarning(tx, before.id, storedFields(merged, s.grading, s.policy, before.senderName));
      await writeAudit(tx, { actor: actor.id, actorKind: "user", action: "warning.edit", subjectType: "warning", subjectId: before.id, before: warningDto(before), after: warningDto(row), requestId });
      return row;
    });
    return c.json(warningDto(w));
  },
});
