import { z } from "zod";
import { defineOperation } from "../operation.js";
import { AppError } from "../../lib/errors.js";
import { createApiKey, getKey, revokeKey } from "../../db/queries/api-keys.js";
import { writeAudit } from "../../db/queries/audit.js";
import { loadUser } from "./checks.js";
import { keyDto } from "./dto.js";

const body = z.strictObject({ label: z.string().trim().min(1).max(60).default("key") });
const uuid = z.uuid();

export const createKey = defineOperation({
  method: "post",
  path: "/api/v1/users/:id/keys",
  summary:
    "A new API key for the user (admins in scope, or the user itself); " +
    "the secret is in this response only and stored hashed",
  tag: "users",
  auth: "apiKey",
  body,
  bodyOptional: true,
  success: [201, "`{ id, key, label, prefix, createdAt }`: `key` is shown once"],
  handler: async (c, req) => {
    const { db, now } = c.get("services");
    const actor = c.get("actor");
    const input = req.body;
    const user = await loadUser(db, actor, c.req.param("id")!, { self: true });
    if (!user.active) throw new AppError("invalid_state", `user ${user.id} is disabled`);
    const { row, key } = await db.transaction(async (tx) => {
      const k = await createApiKey(tx, { userId: user.id, label: input.label, now: now() });
      await writeAudit(tx, {
        actor: actor.id,
        actorKind: "user",
        action: "api_key.create",
        subjectType: "user",
        subjectId: user.id,
        after: keyDto(k.row),
        requestId: c.get("requestId"),
      });
      return k;
    });
    return c.json({ ...keyDto(row), key }, 201);
  },
});

export const revokeKeyOp = defineOperation({
  method: "delete",
  path: "/api/v1/users/:id/keys/:keyId",
  summary: "Revoke one API key; the user's other keys keep working, this one gets 401 from its next request",
  tag: "users",
  auth: "apiKey",
  success: [204, "revoked"],
  handler: async (c) => {
    const { db, now } = c.get("services");
    const actor = c.get("actor");
    const keyId = c.req.param("keyId")!;
    await db.transaction(async (tx) => {
      const user = await loadUser(tx, actor, c.req.param("id")!, { self: true });
      const k = uuid.safeParse(keyId).success ? await getKey(tx, user.id, keyId) : undefined;
      if (!k) throw new AppError("not_found", `user ${user.id} has no key ${keyId}`);
      if (k.revokedAt)
        throw new AppError("invalid_state", `key ${keyId} was already revoked at ${k.revokedAt.toISOString()}`);
      const after = await revokeKey(tx, k.id, now());
      await writeAudit(tx, {
        actor: actor.id,
        actorKind: "user",
        action: "api_key.revoke",
        subjectType: "user",
        subjectId: user.id,
        before: keyDto(k),
        after: keyDto(after),
        requestId: c.get("requestId"),
      });
    });
    return c.body(null, 204);
  },
});
