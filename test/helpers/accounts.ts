// Agencies and users made through the API, as an admin would.
import type { TestContext, TestUser } from "./context.js";
import { json } from "./factories.js";
import type { UserRole } from "../../src/domain/vocabulary.js";
import { hashPassword } from "../../src/lib/password.js";
import { updateUser } from "../../src/db/queries/users.js";

let n = 0;
const uniq = () => `${Date.now().toString(36)}${(++n).toString(36)}`;

export const WEATHER = {
  name: "赤峰市气象台",
  smsSignature: "【赤峰市气象局】",
  areaScope: "150400000000",
  types: ["rainstorm", "blizzard", "gale", "heat", "drought", "lightning", "hail", "fog"],
};
export const HYDROLOGY = {
  name: "赤峰市水文水资源中心",
  smsSignature: "【赤峰市水文局】",
  areaScope: "150400000000",
  types: ["flood", "drought"],
};

export async function createAgency(
  ctx: TestContext,
  over: Record<string, unknown> = {},
  by: TestUser = ctx.users.admin,
) {
  const code = `ag-${uniq()}`;
  const res = await ctx.request("POST", "/api/v1/agencies", {
    key: by.key,
    json: { code, senderId: `${code}.chifeng`, ...WEATHER, ...over },
  });
  if (res.status !== 201) throw new Error(`createAgency: ${res.status} ${await res.text()}`);
  return json(res);
}

export interface MadeUser extends TestUser {
  username: string;
  agency: string | null;
}

/** A user with one API key. */
export async function createUser(
  ctx: TestContext,
  o: { role: UserRole; scope?: string; agency?: string | null; password?: string; username?: string },
  by: TestUser = ctx.users.admin,
): Promise<MadeUser> {
  const username = o.username ?? `u-${uniq()}`;
  const scope = o.scope ?? "150400000000";
  const res = await ctx.request("POST", "/api/v1/users", {
    key: by.key,
    json: {
      username,
      name: username,
      role: o.role,
      areaScope: scope,
      ...(o.agency ? { agency: o.agency } : {}),
      ...(o.password ? { password: o.password } : {}),
    },
  });
  if (res.status !== 201) throw new Error(`createUser: ${res.status} ${await res.text()}`);
  const u = await json(res);
  const k = await ctx.request("POST", `/api/v1/users/${u.id}/keys`, { key: by.key, json: { label: "test" } });
  if (k.status !== 201) throw new Error(`createKey: ${k.status} ${await k.text()}`);
  return { id: u.id, key: (await json(k)).key, role: o.role, scope, username, agency: o.agency ?? null };
}

const passwords = new WeakMap<TestContext, Map<string, string>>();

/** The user's console password, set directly in the database the first time (one scrypt
 * per user per file, not one per sign-in). */
export async function passwordFor(ctx: TestContext, user: TestUser): Promise<string> {
  let m = passwords.get(ctx);
  if (!m) passwords.set(ctx, (m = new Map()));
  let pw = m.get(user.id);
  if (!pw) {
    pw = `console pass ${user.id.slice(0, 8)}`;
    await updateUser(ctx.tdb.db, user.id, { passwordHash: await hashPassword(pw), passwordChangedAt: ctx.clock.now });
    m.set(user.id, pw);
  }
  return pw;
}
