import { defineOperation } from "../operation.js";
import { requirePermission, requireScope } from "../../domain/actor.js";
import { recipientInput, toRecipient } from "../../domain/recipients.js";
import { AppError, validationError } from "../../lib/errors.js";
import { insertRecipients } from "../../db/queries/recipients.js";
import { planLateJoiners } from "../../dispatch/planner.js";
import { writeAudit } from "../../db/queries/audit.js";
import { areaFacts } from "./facts.js";
import { recipientDto } from "./dto.js";

export default defineOperation({
  method: "post",
  path: "/api/v1/recipients",
  summary: "Add one person (phone normalised to E.164, +86 by default)",
  tag: "recipients",
  auth: "apiKey",
  permission: "people.write",
  body: recipientInput,
  success: [201, "the recipient"],
  handler: async (c, req) => {
    const { db } = c.get("services");
    const actor = c.get("actor");
    const input = req.body;
    requireScope(actor, [input.areaCode]);
    const r = toRecipient(input, await areaFacts(db, actor, [input.areaCode]));
    if (!r.ok) throw validationError(r.errors);
    const row = await db.transaction(async (tx) => {
      const [inserted] = await insertRecipients(tx, [r.row]);
      if (!inserted)
        throw new AppError("conflict", `a recipient with ${r.row.dedupeKey} already exists`, {
          extra: { dedupeKey: r.row.dedupeKey },
        });
      await planLateJoiners(tx, { recipientIds: [inserted.id] }, c.get("services").now());
      await writeAudit(tx, {
        actor: actor.id,
        actorKind: "user",
        action: "recipient.create",
        subjectType: "recipient",
        subjectId: String(inserted.id),
        after: recipientDto(inserted),
        requestId: c.get("requestId"),
      });
      return inserted;
    });
    return c.json(recipientDto(row), 201);
  },
});
