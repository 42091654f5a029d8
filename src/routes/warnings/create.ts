import { defineOperation } from "../operation.js";
import { readJson } from "../../http/body.js";
import { warningInput } from "../../domain/warnings/input.js";
import { requirePermission, requireScope } from "../../domain/actor.js";
import { storedFields } from "../../domain/warnings/fields.js";
import { newIdentifier } from "../../domain/warnings/identifier.js";
import { insertWarning } from "../../db/queries/warnings.js";
import { writeAudit } from "../../db/queries/audit.js";
import { ctx, validateWarning } from "./load.js";
import { issuingOffice, requireAgencyType } from "../../domain/agency.js";
import { warningDto } from "./dto.js";

export default defineOperation({
  method: "post",
  path: "/api/v1/warnings",
  summary: "Create a draft warning",
  tag: "warnings",
  auth: "apiKey",
  body: warningInput,
  success: [201, "the draft"],
  handler: async (c) => {
    const { s, actor, requestId } = ctx(c);
    requirePermission(actor, "warning.write");
    const input = await readJson(c, warningInput);
    requireScope(actor, input.areas.codes);
    requireAgencyType(actor.agency, input.type);
    await validateWarning(s.db, s, input);
    const now = s.now();
    const id = crypto.randomUUID();
    const office = issuingOffice(actor.agency, s.config);
    const w = await s.db.transaction(async (tx) => {
      const row = await insertWarning(tx, {
        id,
        threadId: id,
        identifier: newIdentifier(office.sender, now),
        ...office,
        createdBy: actor.id,
        ...storedFields(input, s.grading, s.policy, office.senderName),
      });
      await writeAudit(tx, { actor: actor.id, actorKind: "user", action: "warning.create", subjectType: "warning", subjectId: id, after: warningDto(row), requestId });
      return row;
    });
    return c.json(warningDto(w), 201);
  },
});
