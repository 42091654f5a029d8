// Who is acting and what they may do: roles × area scope (DESIGN §4).
import { AppError } from "../lib/errors.js";
import { isWithin } from "./areas.js";
import type { UserRole } from "./vocabulary.js";
import type { AgencyRef } from "./agency.js";

export interface Actor {
  id: string;
  name: string;
  role: UserRole;
  /** Area code: the actor may act on this area and everything below it. */
  areaScope: string;
  /** The 发布单位 the actor issues for; null/absent = the deployment's default office. */
  agency?: AgencyRef | null;
}

export const PERMISSIONS = {
  read: ["viewer", "issuer", "approver", "admin"],
  "warning.write": ["issuer", "admin"],
  "warning.approve": ["approver", "admin"],
  "warning.cancel": ["issuer", "approver", "admin"],
  "people.write": ["issuer", "admin"],
  "devices.write": ["admin", "issuer"],
  "delivery.ack": ["issuer", "approver", "admin"],
  "eb_platforms.write": ["admin"],
  "accounts.manage": ["admin"],
} as const satisfies Record<string, readonly UserRole[]>;
export type Permission = keyof typeof PERMISSIONS;

export function can(actor: Actor, perm: Permission): boolean {
  return (PERMISSIONS[perm] as readonly UserRole[]).includes(actor.role);
}

export function requirePermission(actor: Actor, perm: Permission): void {
  if (!can(actor, perm)) {
    throw new AppError("forbidden", `role '${actor.role}' may not ${perm.replace(".", " ")}`, {
      extra: { permission: perm },
    });
  }
}

export function outOfScope(actor: Actor, codes: readonly string[]): string[] {
  return codes.filter((c) => !isWithin(actor.areaScope, c));
}

export function requireScope(actor: Actor, codes: readonly string[]): void {
  const out = outOfScope(actor, codes);
  if (out.length > 0) {
    throw new AppError("forbidden", `area ${out.join(", ")} is outside your scope ${actor.areaScope}`, {
      extra: { outOfScope: out, scope: actor.areaScope },
    });
  }
}
