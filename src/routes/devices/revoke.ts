import { z } from "zod";
import { defineOperation } from "../operation.js";
import { requireScope } from "../../domain/actor.js";
import { AppError } from "../../lib/errors.js";
import { getDevice, revokeDevice } from "../../db/queries/devices.js";
import { writeAudit } from "../../db/queries/audit.js";
import { notifyDeviceRevoked } from "../../hub/notify.js";
import { deviceDto } from "./dto.js";

const uuid = z.uuid();

export default defineOperation({
  method: "post",
  path: "/api/v1/devices/:id/revoke",
  summary:
    "Revoke a device (lost or replaced controller): its token stops working at once and its live socket is closed (4003)",
  tag: "devices",
  auth: "apiKey",
  permission: "devices.write",
  success: [200, "the device, `revoked: true`"],
  handler: async (c) => {
    const { db, now } = c.get("services");
    const actor = c.get("actor");
    const id = c.req.param("id")!;
    if (!uuid.safeParse(id).success) throw new AppError("not_found", `no device ${id}`);
    const device = await db.transaction(async (tx) => {
      const d = await getDevice(tx, id, { forUpdate: true });
      if (!d) throw new AppError("not_found", `no device ${id}`);
      requireScope(actor, [d.areaCode]);
      if (d.revokedAt)
        throw new AppError("invalid_state", `device ${id} was already revoked at ${d.revokedAt.toISOString()}`);
      const { device: after, failedCommands } = await revokeDevice(tx, id, now());
      await writeAudit(tx, {
        actor: actor.id,
        actorKind: "user",
        action: "device.revoke",
        subjectType: "device",
        subjectId: id,
        before: deviceDto(d),
        after: { ...deviceDto(after), failedCommands },
        requestId: c.get("requestId"),
      });
      // Delivered on commit, so the hub never sees the signal before the revocation.
      await notifyDeviceRevoked(tx, id);
      return after;
    });
    return c.json(deviceDto(device));
  },
});
