import { defineOperation } from "../operation.js";
import { requirePermission } from "../../domain/actor.js";
import { requireGrantable } from "../../domain/accounts.js";
import { isWithin } from "../../domain/areas.js";
import { AppError } from "../../lib/errors.js";
import { getAgency, senderIdTaken, updateAgency } from "../../db/queries/agencies.js";
import { writeAudit } from "../../db/queries/audit.js";
import { requireKnownArea } from "../users/checks.js";
import { agencyDto, agencyPatch } from "./dto.js";

export default defineOperation({
  method: "patch",
  path: "/api/v1/agencies/:code",
  summary:
    "Change an agency's name, CAP sender id, SMS signature, types or scope; " +
    "warnings already issued keep what they were sent with",
  tag: "agencies",
  auth: "apiKey",
  permission: "accounts.manage",
  body: agencyPatch,
  success: [200, "the agency"],
  handler: async (c, req) => {
    const { db } = c.get("services");
    const actor = c.get("actor");
    const patch = req.body;
    const code = c.req.param("code")!;
    if (patch.areaScope) {
      requireGrantable(actor, { scope: patch.areaScope });
      await requireKnownArea(db, patch.areaScope, "areaScope");
    }
    const a = await db.transaction(async (tx) => {
      const before = await getAgency(tx, code, { forUpdate: true });
      if (!before) throw new AppError("not_found", `no agency ${code}`);
      if (!isWithin(actor.areaScope, before.areaScope)) {
        throw new AppError(
          "forbidden",
          `agency ${code} (scope ${before.areaScope}) is outside your scope ${actor.areaScope}`,
          {
            extra: { rule: "agency_out_of_scope", scope: actor.areaScope },
          },
        );
      }
      if (patch.senderId && (await senderIdTaken(tx, patch.senderId, code))) {
        throw new AppError("conflict", `CAP sender id ${patch.senderId} belongs to another agency`, {
          extra: { field: "senderId" },
        });
      }
      const row = await updateAgency(tx, code, patch);
      await writeAudit(tx, {
        actor: actor.id,
        actorKind: "user",
        action: "agency.update",
        subjectType: "agency",
        subjectId: code,
        before: agencyDto(before),
        after: agencyDto(row),
        requestId: c.get("requestId"),
      });
      return row;
    });
    return c.json(agencyDto(a));
  },
});
