import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { useContext, type TestContext } from "../helpers/context.js";
import { json } from "../helpers/factories.js";
import { createAgency, createUser, HYDROLOGY } from "../helpers/accounts.js";
import { whileAnotherWriteHolds } from "../helpers/locks.js";

const ctx = useContext();
const GOOD_PASSWORD = "红山 flood drill 2030";

/** Everything a refused request must leave untouched. */
async function footprint(c: TestContext) {
  const [r] = await c.tdb.db.execute<Record<string, string>>(sql`select
    (select count(*) from users)::text as users, (select count(*) from api_keys)::text as keys,
    (select count(*) from agencies)::text as agencies, (select count(*) from audit_log)::text as audit,
    (select coalesce(max(updated_at)::text, '') from users) as touched`);
  return r;
}

const newUser = (over: Record<string, unknown> = {}) => ({
  username: `zhang.${Math.random().toString(36).slice(2, 8)}`,
  name: "张三",
  role: "issuer",
  areaScope: "150402000000",
  ...over,
});

describe("POST /api/v1/users", () => {
  it("creates a user inside the admin's scope, audited, with no secret in the answer", async () => {
    const c = ctx();
    const agency = await createAgency(c, HYDROLOGY);
    const body = newUser({ agency: agency.code, password: GOOD_PASSWORD, username: "Wang.Hydro" });
    const res = await c.request("POST", "/api/v1/users", { json: body });
    expect(res.status).toBe(201);
    const u = await json(res);
    expect(u).toMatchObject({
      username: "wang.hydro",
      name: "张三",
      role: "issuer",
      areaScope: "150402000000",
      agency: agency.code,
      active: true,
      hasPassword: true,
    });
    expect(JSON.stringify(u)).not.toMatch(/scrypt|passwordHash/);
    const [row] = await c.tdb.db.execute<{ password_hash: string }>(
      sql`select password_hash from users where id = ${u.id}`,
    );
    expect(row!.password_hash).toMatch(/^scrypt\$32768\$8\$3\$/);
    const [audit] = await c.tdb.db.execute<{ actor: string; after: any }>(
      sql`select actor, after from audit_log where action = 'user.create' and subject_id = ${u.id}`,
    );
    expect(audit).toMatchObject({ actor: c.users.admin.id, after: { username: "wang.hydro" } });
    expect(JSON.stringify(audit!.after)).not.toContain("scrypt");
    const got = await json(await c.request("GET", `/api/v1/users/${u.id}`));
    expect(got).toMatchObject({ id: u.id, keys: [] });
    const list = await json(await c.request("GET", `/api/v1/users?agency=${agency.code}`));
    expect(list.items.map((x: any) => x.username)).toEqual(["wang.hydro"]);
  });

  it("a name another admin takes at the same moment is 409, not 500", async () => {
    const c = ctx();
    // The other admin's row is written but not committed: this request's check cannot see
    // it, and its insert waits on the name's unique key until the other commits.
    const r = await whileAnotherWriteHolds(
      c.tdb,
      (t) => t`insert into users (username, name, role, area_scope) values ('li.race', '李', 'issuer', '150402000000')`,
      () => c.request("POST", "/api/v1/users", { json: newUser({ username: "li.race" }) }),
    );
    expect(r.status).toBe(409);
    expect(await json(r)).toMatchObject({ detail: "username li.race is taken" });
  });

  describe.each([
    [
      "a duplicate username",
      async (c: TestContext) => ({ username: (await createUser(c, { role: "viewer" })).username }),
      409,
      "conflict",
      null,
    ],
    [
      "a password under 10 characters",
      async () => ({ password: "short1!" }),
      422,
      "validation_failed",
      "password_too_short",
    ],
    [
      "a password over 128 characters",
      async () => ({ password: "长".repeat(129) }),
      422,
      "validation_failed",
      "password_too_long",
    ],
    ["a common password", async () => ({ password: "password123" }), 422, "validation_failed", "password_too_common"],
    [
      "a password containing the username",
      async () => ({ username: "liuyang", password: "liuyang-2030-xx" }),
      422,
      "validation_failed",
      "password_contains_username",
    ],
    ["an unknown agency", async () => ({ agency: "no-such" }), 422, "validation_failed", "unknown_agency"],
    ["an unknown role", async () => ({ role: "superuser" }), 422, "validation_failed", "invalid_value"],
    ["a scope that is not an area code", async () => ({ areaScope: "Chifeng" }), 422, "validation_failed", "custom"],
    [
      "a scope code that names no area",
      async () => ({ areaScope: "150499000000" }),
      422,
      "validation_failed",
      "unknown_area",
    ],
    ["a username with spaces", async () => ({ username: "zhang san" }), 422, "validation_failed", "invalid_format"],
    [
      "a scope outside the agency's area",
      async (c: TestContext) => ({ agency: (await createAgency(c, { areaScope: "150404000000" })).code }),
      422,
      "validation_failed",
      "scope_outside_agency",
    ],
  ])("refuses %s", (_label, over, status, code, rule) => {
    it(`with ${status} problem+json and nothing written`, async () => {
      const c = ctx();
      const body = newUser(await over(c));
      const before = await footprint(c);
      const res = await c.request("POST", "/api/v1/users", { json: body });
      expect(res.status).toBe(status);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      const p = await json(res);
      expect(p.code).toBe(code);
      if (rule) expect(p.errors.map((e: any) => e.code)).toContain(rule);
      expect(await footprint(c)).toEqual(before);
    });
  });
});

describe("admin rules", () => {
  it("an admin acts only inside its scope, never grants a wider scope or stronger role (403)", async () => {
    const c = ctx();
    const countyAdmin = await createUser(c, { role: "admin", scope: "150402000000" });
    const issuer = await createUser(c, { role: "issuer", scope: "150402000000" });
    const outsider = await createUser(c, { role: "viewer", scope: "150404000000" });
    const before = await footprint(c);
    const refusals: [string, string, unknown, string, string][] = [
      ["POST", "/api/v1/users", newUser({ areaScope: "150400000000" }), countyAdmin.key, "scope_too_wide"],
      ["POST", "/api/v1/users", newUser({ areaScope: "150404000000" }), countyAdmin.key, "scope_too_wide"],
      ["PATCH", `/api/v1/users/${outsider.id}`, { name: "改名" }, countyAdmin.key, "user_out_of_scope"],
      ["PATCH", `/api/v1/users/${issuer.id}`, { areaScope: "150400000000" }, countyAdmin.key, "scope_too_wide"],
      ["PATCH", `/api/v1/users/${countyAdmin.id}`, { areaScope: "150000000000" }, countyAdmin.key, "scope_too_wide"],
      ["PATCH", `/api/v1/users/${issuer.id}`, { role: "admin" }, issuer.key, "role_too_strong"],
      ["PATCH", `/api/v1/users/${issuer.id}`, { role: "approver" }, issuer.key, "role_too_strong"],
      ["PATCH", `/api/v1/users/${issuer.id}`, { areaScope: "150400000000" }, issuer.key, "scope_too_wide"],
      ["POST", "/api/v1/users", newUser({ role: "viewer" }), issuer.key, "permission"],
      ["PATCH", `/api/v1/users/${outsider.id}`, { active: false }, issuer.key, "permission"],
      [
        "POST",
        "/api/v1/agencies",
        {
          code: "cf-x",
          name: "某局",
          senderId: "x",
          smsSignature: "【某某局】",
          types: ["fog"],
          areaScope: "150400000000",
        },
        countyAdmin.key,
        "scope_too_wide",
      ],
    ];
    for (const [method, path, body, key, rule] of refusals) {
      const res = await c.request(method, path, { key, json: body });
      const p = await json(res);
      expect(
        [res.status, p.rule ?? (p.permission ? "permission" : p.code)],
        `${method} ${path} ${JSON.stringify(body)}`,
      ).toEqual([403, rule]);
    }
    for (const path of ["/api/v1/users", `/api/v1/users/${outsider.id}`, "/api/v1/audit"]) {
      expect((await c.request("GET", path, { key: issuer.key })).status, path).toBe(403);
    }
    expect((await c.request("GET", `/api/v1/users/${outsider.id}`, { key: countyAdmin.key })).status).toBe(403);
    expect(await footprint(c)).toEqual(before);
    // Inside its scope, with a role up to its own, the county admin may.
    const ok = await c.request("POST", "/api/v1/users", {
      key: countyAdmin.key,
      json: newUser({ role: "admin", areaScope: "150402001000" }),
    });
    expect(ok.status).toBe(201);
    const list = await json(await c.request("GET", "/api/v1/users?limit=500", { key: countyAdmin.key }));
    expect(list.items.every((u: any) => u.areaScope.startsWith("150402"))).toBe(true);
  });

  it("nobody deactivates or demotes the last active admin (409); with another admin it works", async () => {
    const c = ctx();
    const second = await createUser(c, { role: "admin", scope: "150000000000" });
    // Every other admin this file made is switched off, so `second` and the context's admin remain.
    await c.tdb.db.execute(
      sql`update users set active = false where role = 'admin' and id not in (${c.users.admin.id}, ${second.id})`,
    );
    expect((await c.request("PATCH", `/api/v1/users/${second.id}`, { json: { active: false } })).status).toBe(200);
    const before = await footprint(c);
    for (const body of [{ active: false }, { role: "approver" }]) {
      const res = await c.request("PATCH", `/api/v1/users/${c.users.admin.id}`, { json: body });
      expect(res.status).toBe(409);
      expect(await json(res)).toMatchObject({ code: "conflict", rule: "last_admin" });
    }
    expect(await footprint(c)).toEqual(before);
    expect((await c.request("PATCH", `/api/v1/users/${second.id}`, { json: { active: true } })).status).toBe(200);
    expect(
      (await c.request("PATCH", `/api/v1/users/${second.id}`, { key: second.key, json: { role: "viewer" } })).status,
    ).toBe(200);
  });

  it("a disabled user's keys stop at once; every change is an audit row with before and after", async () => {
    const c = ctx();
    const u = await createUser(c, { role: "viewer" });
    expect((await c.request("GET", "/api/v1/me", { key: u.key })).status).toBe(200);
    expect(
      (await c.request("PATCH", `/api/v1/users/${u.id}`, { json: { active: false, name: "已离职" } })).status,
    ).toBe(200);
    expect((await c.request("GET", "/api/v1/me", { key: u.key })).status).toBe(401);
    const [a] = await c.tdb.db.execute<{ action: string; before: any; after: any }>(
      sql`select action, before, after from audit_log where subject_id = ${u.id} order by id desc limit 1`,
    );
    expect(a).toMatchObject({
      action: "user.disable",
      before: { active: true },
      after: { active: false, name: "已离职" },
    });
  });

  it("people change their own password with the current one; a wrong current one is 403", async () => {
    const c = ctx();
    const u = await createUser(c, { role: "issuer", password: GOOD_PASSWORD });
    const wrong = await c.request("PATCH", `/api/v1/users/${u.id}`, {
      key: u.key,
      json: { password: "another long phrase", currentPassword: "nope nope nope" },
    });
    expect(wrong.status).toBe(403);
    const ok = await c.request("PATCH", `/api/v1/users/${u.id}`, {
      key: u.key,
      json: { password: "another long phrase", currentPassword: GOOD_PASSWORD },
    });
    expect(ok.status).toBe(200);
    expect((await json(ok)).passwordChangedAt).not.toBeNull();
  });
});

describe("API keys", () => {
  it("several per user; a revoked key (204) gets 401 from its next request while the other works", async () => {
    const c = ctx();
    const u = await createUser(c, { role: "issuer" });
    const res = await c.request("POST", `/api/v1/users/${u.id}/keys`, { key: u.key, json: { label: "发布脚本" } });
    expect(res.status).toBe(201);
    const second = await json(res);
    expect(second.key).toMatch(/^wck_[A-Za-z0-9_-]{40,}$/);
    expect(second.prefix).toBe(second.key.slice(0, 12));
    const [stored] = await c.tdb.db.execute<{ n: number }>(
      sql`select count(*)::int as n from api_keys where key_hash = ${second.key} or prefix = ${second.key}`,
    );
    expect(stored!.n).toBe(0);
    expect((await c.request("GET", "/api/v1/me", { key: second.key })).status).toBe(200);

    const keys = (await json(await c.request("GET", `/api/v1/users/${u.id}`))).keys;
    // Both made at the same (test) clock instant: their order between them is not the point.
    expect(keys.map((k: any) => k.label).sort()).toEqual(["test", "发布脚本"].sort());
    expect(keys.every((k: any) => k.prefix.startsWith("wck_") && !("key" in k) && k.lastUsedAt)).toBe(true);
    const first = keys.find((k: any) => k.label === "test");
    const del = await c.request("DELETE", `/api/v1/users/${u.id}/keys/${first.id}`);
    expect(del.status).toBe(204);
    expect((await c.request("GET", "/api/v1/me", { key: u.key })).status).toBe(401);
    expect((await c.request("GET", "/api/v1/me", { key: second.key })).status).toBe(200);
    expect((await c.request("DELETE", `/api/v1/users/${u.id}/keys/${first.id}`)).status).toBe(409);
    expect((await c.request("DELETE", `/api/v1/users/${c.users.viewer.id}/keys/${second.id}`)).status).toBe(404);
    const after = (await json(await c.request("GET", `/api/v1/users/${u.id}`))).keys;
    expect(after.map((k: any) => [k.label, k.revokedAt !== null]).sort()).toEqual(
      [
        ["test", true],
        ["发布脚本", false],
      ].sort(),
    );
    const actions = await c.tdb.db.execute<{ action: string }>(
      sql`select action from audit_log where subject_id = ${u.id} order by id`,
    );
    expect(actions.map((a) => a.action)).toEqual(["user.create", "api_key.create", "api_key.create", "api_key.revoke"]);
  });

  it("nobody else's keys: an issuer cannot mint or revoke another user's key (403)", async () => {
    const c = ctx();
    const u = await createUser(c, { role: "issuer" });
    expect(
      (await c.request("POST", `/api/v1/users/${c.users.viewer.id}/keys`, { key: u.key, json: { label: "x" } })).status,
    ).toBe(403);
    const keys = (await json(await c.request("GET", `/api/v1/users/${u.id}`))).keys;
    expect(
      (await c.request("DELETE", `/api/v1/users/${u.id}/keys/${keys[0].id}`, { key: c.users.issuer.key })).status,
    ).toBe(403);
  });
});

describe("GET /api/v1/me", () => {
  it("says who the caller is, with the agency's types and signature", async () => {
    const c = ctx();
    const agency = await createAgency(c, HYDROLOGY);
    const u = await createUser(c, { role: "issuer", agency: agency.code });
    const me = await json(await c.request("GET", "/api/v1/me", { key: u.key }));
    expect(me).toMatchObject({
      id: u.id,
      username: u.username,
      role: "issuer",
      areaScope: "150400000000",
      agency: { code: agency.code, smsSignature: "【赤峰市水文局】", types: ["flood", "drought"] },
    });
    expect((await c.request("GET", "/api/v1/me", { key: null })).status).toBe(401);
  });
});

describe("a key's last use", () => {
  it("is stamped at most once a minute", async () => {
    const c = ctx();
    const u = await createUser(c, { role: "viewer" });
    const stamp = async () => {
      const [k] = await c.tdb.db.execute<{ at: string | null; xmin: string }>(sql`
        select last_used_at::text as at, xmin::text from api_keys where user_id = ${u.id}`);
      return k!;
    };
    expect((await c.request("GET", "/api/v1/me", { key: u.key })).status).toBe(200);
    const first = await stamp();
    expect(first.at).not.toBeNull();
    c.clock.advance(30_000);
    expect((await c.request("GET", "/api/v1/me", { key: u.key })).status).toBe(200);
    expect(await stamp()).toEqual(first);
    c.clock.advance(31_000);
    expect((await c.request("GET", "/api/v1/me", { key: u.key })).status).toBe(200);
    expect((await stamp()).at).not.toBe(first.at);
  });
});

describe("GET /api/v1/audit", () => {
  it("filters by user, action (or prefix) and time, within the admin's scope", async () => {
    const c = ctx();
    const u = await createUser(c, { role: "viewer", scope: "150402000000" });
    await c.request("PATCH", `/api/v1/users/${u.id}`, { json: { name: "李四" } });
    const all = await json(await c.request("GET", `/api/v1/audit?user=${u.id}`));
    expect(all.items.map((r: any) => r.action)).toEqual(["user.update", "api_key.create", "user.create"]);
    expect(all.items[0]).toMatchObject({
      actor: c.users.admin.id,
      subjectId: u.id,
      before: { name: u.username },
      after: { name: "李四" },
    });
    const onlyKeys = await json(await c.request("GET", `/api/v1/audit?user=${u.id}&action=api_key.*`));
    expect(onlyKeys.items.map((r: any) => r.action)).toEqual(["api_key.create"]);
    const future = await json(await c.request("GET", `/api/v1/audit?user=${u.id}&from=2100-01-01T00:00:00%2B08:00`));
    expect(future.items).toEqual([]);
    // A county admin elsewhere does not see this county's trail.
    const songshanAdmin = await createUser(c, { role: "admin", scope: "150404000000" });
    expect(
      (await json(await c.request("GET", `/api/v1/audit?user=${u.id}`, { key: songshanAdmin.key }))).items,
    ).toEqual([]);
    expect((await c.request("GET", "/api/v1/audit?action=DROP TABLE")).status).toBe(422);
  });
});
