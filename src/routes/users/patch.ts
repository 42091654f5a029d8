import { defineOperation } from "../operation.js";
import { requireGrantable } from "../../domain/accounts.js";
import { AppError } from "../../lib/errors.js";
import { hashPassword, verifyPassword } from "../../lib/password.js";
import { lockActiveAdmins, updateUser, type NewUser } from "../../db/queries/users.js";
import { endUserSessions } from "../../db/queries/sessions.js";
import { writeAudit } from "../../db/queries/audit.js";
import { loadUser, requireAgencyFor, requireGoodPassword, requireKnownArea } from "./checks.js";
import { userDto, userPatch } from "./dto.js";

export default defineOperation({
  method: "patch",
  path: "/api/v1/users/:id",
  summary:
    "Change a user's name, role, scope, agency, active flag or password (admins in scope; anyone their own name " +
    "and password). A new password or a disabled account ends its console sessions",
  tag: "users",
  auth: "apiKey",
  body: userPatch,
  success: [200, "the user"],
  handler: async (c, req) => {
    const { db, now } = c.get("services");
    const actor = c.get("actor");
    const p = req.body;
    const id = c.req.param("id")!;
    const adminFields =
      p.role !== undefined || p.areaScope !== undefined || p.agency !== undefined || p.active !== undefined;
    // A wider scope or stronger role is refused as such, whoever asks (even for themselves).
    requireGrantable(actor, { role: p.role, scope: p.areaScope });
    const self = id === actor.id;
    const before = await loadUser(db, actor, id, { self: self && !adminFields });
    if (p.areaScope) await requireKnownArea(db, p.areaScope, "areaScope");
    const scope = p.areaScope ?? before.areaScope;
    await requireAgencyFor(db, p.agency === undefined ? before.agencyCode : p.agency, scope);
    if (p.password !== undefined) {
      requireGoodPassword(p.password, before.username);
      // People changing their own password prove they know the old one (a stolen key alone
      // must not take over the console sign-in).
      if (self && before.passwordHash && !(await verifyPassword(p.currentPassword ?? "", before.passwordHash))) {
        throw new AppError("forbidden", "currentPassword is wrong", { extra: { rule: "current_password" } });
      }
    }
    const passwordHash = p.password === undefined ? undefined : await hashPassword(p.password);
    const u = await db.transaction(async (tx) => {
      const locked = await loadUser(tx, actor, id, { forUpdate: true, self: self && !adminFields });
      const losesAdmin =
        locked.role === "admin" &&
        locked.active &&
        (p.active === false || (p.role !== undefined && p.role !== "admin"));
      if (losesAdmin) {
        const admins = await lockActiveAdmins(tx);
        if (admins.length <= 1) {
          throw new AppError("conflict", "this is the last active admin; make another admin first", {
            extra: { rule: "last_admin" },
          });
        }
      }
      const patch: Partial<NewUser> = {};
      if (p.name !== undefined) patch.name = p.name;
      if (p.role !== undefined) patch.role = p.role;
      if (p.areaScope !== undefined) patch.areaScope = p.areaScope;
      if (p.agency !== undefined) patch.agencyCode = p.agency;
      if (p.active !== undefined) patch.active = p.active;
      if (passwordHash !== undefined) {
        patch.passwordHash = passwordHash;
        patch.passwordChangedAt = now();
      }
      const row = await updateUser(tx, id, patch);
      const ended = passwordHash !== undefined || p.active === false ? await endUserSessions(tx, id, now()) : 0;
      await writeAudit(tx, {
        actor: actor.id,
        actorKind: "user",
        action: p.active === false && locked.active ? "user.disable" : "user.update",
        subjectType: "user",
        subjectId: id,
        before: userDto(locked),
        after: {
          ...userDto(row),
          ...(passwordHash ? { passwordChanged: true } : {}),
          ...(ended ? { sessionsEnded: ended } : {}),
        },
        requestId: c.get("requestId"),
      });
      return row;
    });
    return c.json(userDto(u));
  },
});
