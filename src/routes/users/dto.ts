import { z } from "zod";
import type { User } from "../../db/queries/users.js";
import type { ApiKey } from "../../db/queries/api-keys.js";
import { USERNAME } from "../../domain/accounts.js";
import { isAreaCode } from "../../domain/areas.js";
import { USER_ROLES } from "../../domain/vocabulary.js";
import { AGENCY_CODE } from "../../domain/agency.js";

export const userDto = (u: User) => ({
  id: u.id,
  username: u.username,
  name: u.name,
  role: u.role,
  areaScope: u.areaScope,
  agency: u.agencyCode,
  active: u.active,
  hasPassword: u.passwordHash !== null,
  passwordChangedAt: u.passwordChangedAt?.toISOString() ?? null,
  createdAt: u.createdAt.toISOString(),
  updatedAt: u.updatedAt.toISOString(),
});

export const keyDto = (k: ApiKey) => ({
  id: k.id,
  label: k.label,
  prefix: k.prefix,
  createdAt: k.createdAt.toISOString(),
  lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
  revokedAt: k.revokedAt?.toISOString() ?? null,
});

// Length is checked by the password rules (422 naming the rule), not here.
const password = z.string().max(4096);

export const userFields = {
  name: z.string().trim().min(1).max(100),
  role: z.enum(USER_ROLES),
  areaScope: z.string().refine(isAreaCode, "not an area code"),
  agency: z.string().regex(AGENCY_CODE, "not an agency code").nullable(),
  active: z.boolean(),
  password,
};

export const userCreate = z.strictObject({
  username: z
    .string()
    .trim()
    .toLowerCase()
    .regex(USERNAME, "2–32 letters, digits or . _ -, starting with a letter or digit"),
  name: userFields.name,
  role: userFields.role,
  areaScope: userFields.areaScope,
  // Omitted for none (an admin of no agency); null is for taking one away (PATCH).
  agency: userFields.agency.unwrap().optional(),
  password: password.optional(),
  active: userFields.active.optional(),
});

export const userPatch = z
  .strictObject({
    name: userFields.name.optional(),
    role: userFields.role.optional(),
    areaScope: userFields.areaScope.optional(),
    agency: userFields.agency.optional(),
    active: userFields.active.optional(),
    password: password.optional(),
    /** Required when people change their own password. */
    currentPassword: password.optional(),
  })
  .refine((p) => Object.keys(p).some((k) => k !== "currentPassword"), "nothing to change");
