import { z } from "zod";
import { defineOperation } from "../operation.js";
import { requirePermission, requireScope } from "../../domain/actor.js";
import { DEVICE_KINDS, LANGUAGES } from "../../domain/vocabulary.js";
import { isAreaCode, villageOf } from "../../domain/areas.js";
import { validationError } from "../../lib/errors.js";
import { randomToken, sha256Hex } from "../../lib/crypto.js";
import { getArea } from "../../db/queries/areas.js";
import { insertDevice } from "../../db/queries/devices.js";
import { planLateJoiners } from "../../dispatch/planner.js";
import { writeAudit } from "../../db/queries/audit.js";
import { deviceDto } from "./dto.js";

const body = z.strictObject({
  kind: z.enum(DEVICE_KINDS),
  areaCode: z.string().refine(isAreaCode, "not a village or grid code"),
  name: z.string().trim().min(1).max(100),
  reach: z.number().int().min(0).max(1_000_000).optional(),
  languages: z.array(z.enum(LANGUAGES)).min(1).optional(),
});

export default defineOperation({
  method: "post",
  path: "/api/v1/devices",
  summary: "Register a loudspeaker controller or display; the response carries its token once (stored hashed)",
  tag: "devices",
  auth: "apiKey",
  permission: "devices.write",
  body,
  success: [201, "the device with `token` (shown once)"],
  handler: async (c, req) => {
    const { db } = c.get("services");
    const actor = c.get("actor");
    const input = req.body;
    requireScope(actor, [input.areaCode]);
    const area = await getArea(db, input.areaCode);
    if (!area || (area.kind !== "village" && area.kind !== "grid")) {
      throw validationError([
        {
          path: "areaCode",
          code: area ? "not_village" : "unknown_area",
          message: area
            ? `${input.areaCode} is a ${area.kind}; devices belong to a village or grid`
            : `unknown area ${input.areaCode}`,
        },
      ]);
    }
    const token = randomToken("wcd_", 32);
    const device = await db.transaction(async (tx) => {
      const d = await insertDevice(tx, {
        kind: input.kind,
        name: input.name,
        areaCode: input.areaCode,
        villageCode: villageOf(input.areaCode),
        reach: input.reach ?? null,
        languages: input.languages ?? ["zh"],
        tokenHash: await sha256Hex(token),
      });
      await planLateJoiners(tx, { deviceIds: [d.id] }, c.get("services").now());
      await writeAudit(tx, {
        actor: actor.id,
        actorKind: "user",
        action: "device.create",
        subjectType: "device",
        subjectId: d.id,
        after: deviceDto(d),
        requestId: c.get("requestId"),
      });
      return d;
    });
    return c.json({ ...deviceDto(device), token }, 201);
  },
});
