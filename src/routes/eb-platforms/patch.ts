import { z } from "zod";
import { defineOperation } from "../operation.js";
import { requirePermission, requireScope } from "../../domain/actor.js";
import { AppError } from "../../lib/errors.js";
import { findPlatformByEbrid, getPlatform, updatePlatform } from "../../db/queries/eb-platforms.js";
import { writeAudit } from "../../db/queries/audit.js";
import { vendorOptionsSchema } from "../../../channels/eb/config.js";
import { checkPlatform } from "./checks.js";
import { platformDto, platformFields } from "./dto.js";

const body = z
  .strictObject({
    ...(Object.fromEntries(Object.entries(platformFields).map(([k, v]) => [k, v.optional()])) as {
      [K in keyof typeof platformFields]: z.ZodOptional<(typeof platformFields)[K]>;
    }),
    active: z.boolean().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, "nothing to change");
const uuid = z.uuid();

export default defineOperation({
  method: "patch",
  path: "/api/v1/eb-platforms/:id",
  summary:
    "Change a county broadcast platform " +
    "(URL, EBRID, villages, signer, certificate, vendor options, heartbeat, active); options merge",
  tag: "eb-platforms",
  auth: "apiKey",
  permission: "eb_platforms.write",
  body,
  success: [200, "the platform"],
  handler: async (c, req) => {
    const { db, now } = c.get("services");
    const actor = c.get("actor");
    const id = c.req.param("id")!;
    if (!uuid.safeParse(id).success) throw new AppError("not_found", `no broadcast platform ${id}`);
    const input = req.body;
    const platform = await db.transaction(async (tx) => {
      const p = await getPlatform(tx, id, { forUpdate: true });
      if (!p) throw new AppError("not_found", `no broadcast platform ${id}`);
      requireScope(actor, [p.areaCode, ...(input.areaCode ? [input.areaCode] : [])]);
      const next = {
        ...input,
        ...(input.options ? { options: vendorOptionsSchema.parse({ ...p.options, ...input.options }) } : {}),
      } as Partial<typeof p>;
      const merged = { ...p, ...next };
      await checkPlatform(tx, merged);
      if (
        input.resourceCode &&
        input.resourceCode !== p.resourceCode &&
        (await findPlatformByEbrid(tx, input.resourceCode))
      ) {
        throw new AppError("conflict", `a platform with EBRID ${input.resourceCode} is already registered`, {
          extra: { resourceCode: input.resourceCode },
        });
      }
      const after = await updatePlatform(tx, id, next, now());
      await writeAudit(tx, {
        actor: actor.id,
        actorKind: "user",
        action: "eb_platform.update",
        subjectType: "eb_platform",
        subjectId: id,
        before: platformDto(p),
        after: platformDto(after),
        requestId: c.get("requestId"),
      });
      return after;
    });
    return c.json(platformDto(platform));
  },
});
