import { z } from "zod";
import { defineOperation } from "../operation.js";
import { requirePermission, requireScope } from "../../domain/actor.js";
import { AppError } from "../../lib/errors.js";
import { getDelivery } from "../../db/queries/deliveries.js";
import { writeAudit } from "../../db/queries/audit.js";
import { applyDeliveryReports } from "../../deliveries/reports.js";
import { deliveryDto } from "../warnings/deliveries.js";

const body = z.strictObject({ note: z.string().trim().max(500).optional() });

export default defineOperation({
  method: "post",
  path: "/api/v1/deliveries/:id/ack",
  summary: "Record that the person of a delivery confirmed it (叫应 by phone or in person), from the staff console",
  tag: "coverage",
  auth: "apiKey",
  permission: "delivery.ack",
  body,
  bodyOptional: true,
  success: [200, "the delivery, now acknowledged (idempotent)"],
  handler: async (c, req) => {
    const { db, now } = c.get("services");
    const actor = c.get("actor");
    const { note } = req.body;
    const id = Number(c.req.param("id"));
    const before = Number.isSafeInteger(id) && id > 0 ? await getDelivery(db, id) : undefined;
    if (!before) throw new AppError("not_found", `no delivery ${c.req.param("id")}`);
    requireScope(actor, [before.villageCode]);
    if (before.status === "expired")
      throw new AppError("invalid_state", `delivery ${id} expired before it was sent`, {
        extra: { currentStatus: before.status },
      });
    const after = await db.transaction(async (tx) => {
      const changed = await applyDeliveryReports(tx, [
        { deliveryId: id, status: "acknowledged", at: now(), error: null },
      ]);
      if (changed.length > 0) {
        await writeAudit(tx, {
          actor: actor.id,
          actorKind: "user",
          action: "delivery.acknowledge",
          subjectType: "delivery",
          subjectId: String(id),
          before: { status: before.status },
          after: { status: "acknowledged", note },
          requestId: c.get("requestId"),
        });
      }
      return (await getDelivery(tx, id))!;
    });
    return c.json(deliveryDto(after));
  },
});
