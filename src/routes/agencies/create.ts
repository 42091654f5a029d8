import { defineOperation } from "../operation.js";
import { requirePermission } from "../../domain/actor.js";
import { requireGrantable } from "../../domain/accounts.js";
import { AppError } from "../../lib/errors.js";
import { insertAgency, senderIdTaken } from "../../db/queries/agencies.js";
import { writeAudit } from "../../db/queries/audit.js";
import { requireKnownArea } from "../users/checks.js";
import { agencyCreate, agencyDto } from "./dto.js";

export default defineOperation({
  method: "post",
  path: "/api/v1/agencies",
  summary: "Create an agency (admin, inside its own scope)",
  tag: "agencies",
  auth: "apiKey",
  permission: "accounts.manage",
  body: agencyCreate,
  success: [201, "the agency"],
  handler: async (c, req) => {
    const { db } = c.get("services");
    const actor = c.get("actor");
    const input = req.body;
    requireGrantable(actor, { scope: input.areaScope });
    await requireKnownArea(db, input.areaScope, "areaScope");
    const a = await db.transaction(async (tx) => {
      if (await senderIdTaken(tx, input.senderId)) {
        throw new AppError("conflict", `CAP sender id ${input.senderId} belongs to another agency`, {
          extra: { field: "senderId" },
        });
      }
      const row = await insertAgency(tx, input);
      if (!row) throw new AppError("conflict", `agency ${input.code} exists`, { extra: { field: "code" } });
      await writeAudit(tx, {
        actor: actor.id,
        actorKind: "user",
        action: "agency.create",
        subjectType: "agency",
        subjectId: row.code,
        after: agencyDto(row),
        requestId: c.get("requestId"),
      });
      return row;
    });
    return c.json(agencyDto(a), 201);
  },
});
