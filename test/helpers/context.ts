// A test's world: its own database, the real app over it, a controllable clock and one
// user per role (plus a county-scoped issuer) with known keys.
import { afterAll, beforeAll } from "vitest";
import { createApp } from "../../src/app.js";
import { defaultGrading, defaultPolicy, type Policy } from "../../src/config/grading.js";
import { silentLogger } from "../../src/lib/log.js";
import { sha256Hex } from "../../src/lib/crypto.js";
import { insertUser } from "../../src/db/queries/users.js";
import { defaultServiceConfig, type Services } from "../../src/services.js";
import type { UserRole } from "../../src/domain/vocabulary.js";
import { createTestDatabase, type TestDatabase } from "./db.js";

export const CITY = "150400000000";
export const HONGSHAN = "150402000000"; // 红山区
export const SONGSHAN = "150404000000"; // 松山区

export interface TestUser {
  id: string;
  /** Sign-in name (the context's users are named after their key in `users`). */
  username?: string;
  key: string;
  role: UserRole;
  scope: string;
}

export interface TestContext {
  tdb: TestDatabase;
  services: Services;
  app: ReturnType<typeof createApp>;
  clock: { now: Date; set(d: Date | string): void; advance(ms: number): void };
  users: Record<
    | "admin"
    | "issuer"
    | "issuer2"
    | "approver"
    | "approver2"
    | "viewer"
    | "hongshanIssuer"
    | "songshanIssuer"
    | "hongshanApprover",
    TestUser
  >;
  request(
    method: string,
    path: string,
    opts?: { key?: string | null; json?: unknown; body?: string; headers?: Record<string, string> },
  ): Promise<Response>;
}

const USERS: [keyof TestContext["users"], UserRole, string][] = [
  ["admin", "admin", "150000000000"],
  ["issuer", "issuer", CITY],
  ["issuer2", "issuer", CITY],
  ["approver", "approver", CITY],
  ["approver2", "approver", CITY],
  ["viewer", "viewer", CITY],
  ["hongshanIssuer", "issuer", HONGSHAN],
  ["songshanIssuer", "issuer", SONGSHAN],
  ["hongshanApprover", "approver", HONGSHAN],
];

export async function buildContext(opts: { policy?: Partial<Policy> } = {}): Promise<TestContext> {
  const tdb = await createTestDatabase();
  const clock = {
    now: new Date(),
    set(d: Date | string) {
      this.now = new Date(d);
    },
    advance(ms: number) {
      this.now = new Date(this.now.getTime() + ms);
    },
  };
  const services: Services = {
    db: tdb.db,
    grading: defaultGrading,
    policy: { ...defaultPolicy, ...opts.policy },
    // A CSV limit that a test can exceed without building a 128 MiB string (MAX_CSV_BYTES).
    config: { ...defaultServiceConfig, maxCsvBytes: 10 * 1024 * 1024 },
    log: silentLogger,
    now: () => clock.now,
  };
  const app = createApp(services);
  const users = {} as TestContext["users"];
  for (const [name, role, scope] of USERS) {
    const key = `wck_test_${name}_${Math.random().toString(36).slice(2)}`;
    const keyHash = await sha256Hex(key);
    const u = await insertUser(tdb.db, { username: name.toLowerCase(), name, role, areaScope: scope, keyHash });
    users[name] = { id: u.id, username: u.username, key, role, scope };
  }
  const request: TestContext["request"] = (method, path, o = {}) => {
    const headers: Record<string, string> = { ...o.headers };
    const key = o.key === undefined ? users.admin.key : o.key;
    if (key) headers.authorization = `Bearer ${key}`;
    let body = o.body;
    if (o.json !== undefined) {
      body = JSON.stringify(o.json);
      headers["content-type"] ??= "application/json";
    }
    return Promise.resolve(app.request(path, { method, headers, ...(body !== undefined ? { body } : {}) }));
  };
  return { tdb, services, app, clock, users, request };
}

/** beforeAll/afterAll wiring: returns a getter for the file's context. */
export function useContext(opts: Parameters<typeof buildContext>[0] = {}): () => TestContext {
  let ctx: TestContext | undefined;
  beforeAll(async () => {
    ctx = await buildContext(opts);
  });
  afterAll(async () => {
    await ctx?.tdb.drop();
  });
  return () => ctx!;
}
