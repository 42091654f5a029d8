// Who may create and change accounts (DESIGN §11): an admin acts only inside its own
// scope and never hands out a wider scope or a stronger role than its own.
import { AppError } from "../lib/errors.js";
import { isWithin } from "./areas.js";
import type { Actor } from "./actor.js";
import type { UserRole } from "./vocabulary.js";

export const ROLE_RANK: Record<UserRole, number> = { viewer: 0, issuer: 1, approver: 2, admin: 3 };

/** Lower-case letters, digits and `._-`, 2–32 characters: stable, typeable at a sign-in form. */
export const USERNAME = /^[a-z0-9][a-z0-9._-]{1,31}$/;

export function requireGrantable(
  actor: Actor,
  grant: { role?: UserRole | undefined; scope?: string | undefined },
): void {
  if (grant.role && ROLE_RANK[grant.role] > ROLE_RANK[actor.role]) {
    throw new AppError("forbidden", `role '${actor.role}' may not grant the stronger role '${grant.role}'`, {
      extra: { rule: "role_too_strong", role: actor.role },
    });
  }
  if (grant.scope && !isWithin(actor.areaScope, grant.scope)) {
    throw new AppError("forbidden", `scope ${grant.scope} is wider than or outside your scope ${actor.areaScope}`, {
      extra: { rule: "scope_too_wide", scope: actor.areaScope },
    });
  }
}

/** The account being changed must lie inside the admin's scope. */
export function requireUserInScope(actor: Actor, user: { id: string; areaScope: string }): void {
  if (!isWithin(actor.areaScope, user.areaScope)) {
    throw new AppError(
      "forbidden",
      `user ${user.id} (scope ${user.areaScope}) is outside your scope ${actor.areaScope}`,
      {
        extra: { rule: "user_out_of_scope", scope: actor.areaScope },
      },
    );
  }
}
