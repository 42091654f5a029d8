// The bootstrap CLI on a database with nothing in it: DATABASE_URL and the embedded default.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { printedKey, runAdmin } from "./run.js";
import { sha256Hex } from "../../src/lib/crypto.js";
import { verifyPassword } from "../../src/lib/password.js";

const PASSWORD = "草原 监测 2030 spring";

describe("npm run admin against DATABASE_URL", () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await createTestDatabase({ empty: true });
  });
  afterAll(async () => {
    await tdb?.drop();
  });
  const env = () => ({ DATABASE_URL: tdb.url, WARNCAST_SEED_DEMO: "false" });
  const count = async (table: string) =>
    (await tdb.db.execute<{ n: number }>(sql`select count(*)::int as n from ${sql.identifier(table)}`))[0]!.n;

  it("create-user migrates an empty database, creates the admin with a password and prints its key once", async () => {
    const r = await runAdmin(
      [
        "create-user",
        "--username",
        "Ops",
        "--role",
        "admin",
        "--scope",
        "150400000000",
        "--name",
        "值班主任",
        "--password-stdin",
      ],
      { env: env(), stdin: `${PASSWORD}\n` },
    );
    expect(r.code, r.stderr).toBe(0);
    const key = printedKey(r.stdout)!;
    expect(key).toMatch(/^wck_/);
    expect(r.stdout.split(key)).toHaveLength(2);
    const [u] = await tdb.db.execute<{
      id: string;
      username: string;
      role: string;
      area_scope: string;
      password_hash: string;
    }>(sql`select * from users`);
    expect(u).toMatchObject({ username: "ops", role: "admin", area_scope: "150400000000" });
    expect(await verifyPassword(PASSWORD, u!.password_hash)).toBe(true);
    const [k] = await tdb.db.execute<{ key_hash: string; prefix: string }>(
      sql`select key_hash, prefix from api_keys where user_id = ${u!.id}`,
    );
    expect(k).toEqual({ key_hash: await sha256Hex(key), prefix: key.slice(0, 12) });
    const actions = await tdb.db.execute<{ action: string; actor: string }>(
      sql`select action, actor from audit_log order by id`,
    );
    expect(actions.map((a) => `${a.actor} ${a.action}`)).toEqual(["cli user.create", "cli api_key.create"]);
    expect(await count("areas")).toBeGreaterThan(2000);
  });

  it.each([
    [
      "a weak password",
      ["create-user", "--username", "a2", "--role", "admin", "--scope", "150400000000", "--password-stdin"],
      "12345",
      1,
      /at least 10/,
    ],
    [
      "a taken username",
      ["create-user", "--username", "ops", "--role", "viewer", "--scope", "150400000000"],
      "",
      1,
      /taken/,
    ],
    [
      "an unknown role",
      ["create-user", "--username", "a3", "--role", "root", "--scope", "150400000000"],
      "",
      2,
      /--role/,
    ],
    [
      "a scope that is no area",
      ["create-user", "--username", "a4", "--role", "admin", "--scope", "150499000000"],
      "",
      1,
      /unknown area/,
    ],
    [
      "an unknown agency",
      ["create-user", "--username", "a5", "--role", "issuer", "--scope", "150400000000", "--agency", "nope"],
      "",
      1,
      /unknown agency/,
    ],
    ["an unknown option", ["create-user", "--user", "a6"], "", 2, /usage/],
  ])("refuses %s with a non-zero exit and writes nothing", async (_l, args, stdin, code, message) => {
    const before = [await count("users"), await count("api_keys"), await count("audit_log")];
    const r = await runAdmin(args, { env: env(), stdin });
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
    expect([await count("users"), await count("api_keys"), await count("audit_log")]).toEqual(before);
  });

  it("reset-password recovers a locked-out admin: new password, sessions ended, waits cleared, a new key", async () => {
    const [u] = await tdb.db.execute<{ id: string }>(sql`select id from users where username = 'ops'`);
    await tdb.db.execute(
      sql`insert into sessions (user_id, token_hash, expires_at) values (${u!.id}, 'h1', now() + interval '1 hour')`,
    );
    await tdb.db.execute(
      sql`insert into sign_in_throttle (key, failures, last_failure_at, blocked_until)
          values ('user:ops', 9, now(), now() + interval '10 minutes')`,
    );
    const r = await runAdmin(["reset-password", "--username", "ops", "--new-key"], {
      env: env(),
      stdin: "a new spring passphrase",
    });
    expect(r.code, r.stderr).toBe(0);
    expect(printedKey(r.stdout)).toMatch(/^wck_/);
    const [row] = await tdb.db.execute<{ password_hash: string }>(
      sql`select password_hash from users where id = ${u!.id}`,
    );
    expect(await verifyPassword("a new spring passphrase", row!.password_hash)).toBe(true);
    expect(await count("sign_in_throttle")).toBe(0);
    const [s] = await tdb.db.execute<{ ended_at: Date | null }>(
      sql`select ended_at from sessions where user_id = ${u!.id}`,
    );
    expect(s!.ended_at).not.toBeNull();
    expect(
      (await runAdmin(["reset-password", "--username", "nobody"], { env: env(), stdin: "whatever long enough" })).code,
    ).toBe(1);
  });
});

describe("npm run admin against the embedded default", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "warncast-cli-"));
    // As root, Postgres runs as the `postgres` user, which must traverse the data path.
    await chmod(dir, 0o755);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("creates the first admin in a fresh .data directory and resets its password later", async () => {
    const env = { DATABASE_URL: undefined, WARNCAST_DATA_DIR: join(dir, "data"), WARNCAST_SEED_DEMO: "false" };
    const made = await runAdmin(
      ["create-user", "--username", "root-admin", "--role", "admin", "--scope", "150000000000"],
      { env },
    );
    expect(made.code, made.stderr).toBe(0);
    expect(printedKey(made.stdout)).toMatch(/^wck_/);
    expect(made.stdout).toContain("password: none");
    const reset = await runAdmin(["reset-password", "--username", "root-admin"], {
      env,
      stdin: "embedded default passphrase",
    });
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toContain("password reset for root-admin");
  }, 120_000);
});
