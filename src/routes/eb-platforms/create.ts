import { z } from "zod";
import { defineOperation } from "../operation.js";
import { requirePermission, requireScope } from "../../domain/actor.js";
import { AppError } from "../../lib/errors.js";
import { findPlatformByEbrid, insertPlatform } from "../../db/queries/eb-platforms.js";
import { writeAudit } from "../../db/queries/audit.js";
import { vendorOptionsSchema } from "../../../channels/eb/config.js";
import { checkPlatform } from "./checks.js";
import { platformDto, platformFields } from "./dto.js";

const f = platformFields;
const body = z.strictObject({
  name: f.name,
  areaCode: f.areaCode,
  url: f.url,
  resourceCode: f.resourceCode,
  villages: f.villages.optional(),
  signer: f.signer.optional(),
  certificate: f.certificate.optional(),
  options: f.options.optional(),
  heartbeatSeconds: f.heartbeatSeconds.optional(),
  heartbeatMisses: f.heartbeatMisses.optional(),
});

export default defineOperation({
  method: "post",
  path: "/api/v1/eb-platforms",
  summary:
    "Register a county emergency-broadcast platform (应急广播平台): " +
    "its access URL, 18-digit EBRID, villages, signer and vendor options",
  tag: "eb-platforms",
  auth: "apiKey",
  permission: "eb_platforms.write",
  body,
  success: [201, "the platform"],
  handler: async (c, req) => {
    const { db } = c.get("services");
    const actor = c.get("actor");
    const input = req.body;
    requireScope(actor, [input.areaCode]);
    const values = {
      name: input.name,
      areaCode: input.areaCode,
      url: input.url,
      resourceCode: input.resourceCode,
      villages: input.villages ?? null,
      signer: input.signer ?? { kind: "none" as const },
      certificate: input.certificate ?? null,
      options: vendorOptionsSchema.parse(input.options ?? {}),
      heartbeatSeconds: input.heartbeatSeconds ?? 60,
      heartbeatMisses: input.heartbeatMisses ?? 3,
    };
    await checkPlatform(db, values);
    const platform = await db.transaction(async (tx) => {
      if (await findPlatformByEbrid(tx, values.resourceCode)) {
        throw new AppError("conflict", `a platform with EBRID ${values.resourceCode} is already registered`, {
          extra: { resourceCode: values.resourceCode },
        });
      }
      const p = await insertPlatform(tx, values);
      await writeAudit(tx, {
        actor: actor.id,
        actorKind: "user",
        action: "eb_platform.create",
        subjectType: "eb_platform",
        subjectId: p.id,
        after: platformDto(p),
        requestId: c.get("requestId"),
      });
      return p;
    });
    return c.json(platformDto(platform), 201);
  },
});
