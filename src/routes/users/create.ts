import { defineOperation } from "../operation.js";
import { requirePermission } from "../../domain/actor.js";
import { requireGrantable } from "../../domain/accounts.js";
import { AppError } from "../../lib/errors.js";
import { hashPassword } from "../../lib/password.js";
import { getUserByUsername, insertUser } from "../../db/queries/users.js";
import { writeAudit } from "../../db/queries/audit.js";
import { requireAgencyFor, requireGoodPassword, requireKnownArea } from "./checks.js";
import { userCreate, userDto } from "./dto.js";
import { pgErrorCode, UNIQUE_VIOLATION } from "../../db/errors.js";

export default defineOperation({
  method: "post",
  path: "/api/v1/users",
  summary: "Create a user inside your scope, with a role no stronger than yours; `password` enables console sign-in",
  tag: "users",
  auth: "apiKey",
  permission: "accounts.manage",
  body: userCreate,
  success: [201, "the user (keys are made with POST /api/v1/users/{id}/keys)"],
  handler: async (c, req) => {
    const { db, now } = c.get("services");
    const actor = c.get("actor");
    const input = req.body;
    requireGrantable(actor, { role: input.role, scope: input.areaScope });
    await requireKnownArea(db, input.areaScope, "areaScope");
    await requireAgencyFor(db, input.agency, input.areaScope);
    if (input.password !== undefined) requireGoodPassword(input.password, input.username);
    if (await getUserByUsername(db, input.username))
      throw new AppError("conflict", `username ${input.username} is taken`, { extra: { field: "username" } });
    const passwordHash = input.password === undefined ? null : await hashPassword(input.password);
    const u = await db.transaction(async (tx) => {
      const row = await insertUser(tx, {
        username: input.username,
        name: input.name,
        role: input.role,
        areaScope: input.areaScope,
        agencyCode: input.agency ?? null,
        active: input.active ?? true,
        passwordHash,
        passwordChangedAt: passwordHash ? now() : null,
      }).catch((e: unknown) => {
        // Two admins creating the same name at once: the unique index decides.
        if (pgErrorCode(e) === UNIQUE_VIOLATION)
          throw new AppError("conflict", `username ${input.username} is taken`, { extra: { field: "username" } });
        throw e;
      });
      await writeAudit(tx, {
        actor: actor.id,
        actorKind: "user",
        action: "user.create",
        subjectType: "user",
        subjectId: row.id,
        after: userDto(row),
        requestId: c.get("requestId"),
      });
      return row;
    });
    return c.json(userDto(u), 201);
  },
});
