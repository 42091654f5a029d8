// Checks shared by the account operations. Each runs before anything is written, so a
// refused request leaves no trace but its problem response.
import { z } from "zod";
import type { Db } from "../../db/client.js";
import { getArea } from "../../db/queries/areas.js";
import { getAgency, type Agency } from "../../db/queries/agencies.js";
import { getUser, type User } from "../../db/queries/users.js";
import { isWithin } from "../../domain/areas.js";
import { requireUserInScope } from "../../domain/accounts.js";
import type { Actor } from "../../domain/actor.js";
import { AppError, validationError } from "../../lib/errors.js";
import { passwordProblem } from "../../lib/password.js";

const uuid = z.uuid();

export async function requireKnownArea(db: Db, code: string, path: string): Promise<void> {
  if (!(await getArea(db, code)))
    throw validationError([{ path, code: "unknown_area", message: `unknown area ${code}` }]);
}

/** The agency must exist, and the user's scope must lie inside the agency's. */
export async function requireAgencyFor(db: Db, code: string | null | undefined, scope: string): Promise<Agency | null> {
  if (!code) return null;
  const a = await getAgency(db, code);
  if (!a) throw validationError([{ path: "agency", code: "unknown_agency", message: `unknown agency ${code}` }]);
  if (!isWithin(a.areaScope, scope)) {
    throw validationError([
      {
        path: "areaScope",
        code: "scope_outside_agency",
        message: `scope ${scope} lies outside ${a.name}'s area ${a.areaScope}`,
      },
    ]);
  }
  return a;
}

export function requireGoodPassword(password: string, username: string): void {
  const p = passwordProblem(password, username);
  if (p) throw validationError([{ path: "password", code: p.code, message: p.message }]);
}

/** Another user must lie in the admin's scope; anyone may read themselves. */
export async function loadUser(
  db: Db,
  actor: Actor,
  id: string,
  opts: { forUpdate?: boolean; self?: boolean } = {},
): Promise<User> {
  if (!uuid.safeParse(id).success) throw new AppError("not_found", `no user ${id}`);
  const u = await getUser(db, id, opts);
  if (!u) throw new AppError("not_found", `no user ${id}`);
  if (!(opts.self && u.id === actor.id)) {
    if (actor.role !== "admin") {
      throw new AppError("forbidden", `role '${actor.role}' may not manage users`, {
        extra: { permission: "accounts.manage" },
      });
    }
    requireUserInScope(actor, u);
  }
  return u;
}
