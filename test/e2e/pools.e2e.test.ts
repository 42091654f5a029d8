// The duty officer's console answers while the engine is stuck: HTTP requests have a pool
// of their own. Here every connection of the engine's pool (two) is made to wait on a lock
// the test holds on the ledger; an API request must still be served.
import { afterAll, describe, expect, it, vi } from "vitest";
import postgres from "postgres";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { insertUser } from "../../src/db/queries/users.js";
import { sha256Hex } from "../../src/lib/crypto.js";
import { startServer, type RunningServer } from "./server.js";
import { deferred } from "../helpers/deferred.js";

let tdb: TestDatabase | null = null;
let server: RunningServer | null = null;
let holder: postgres.Sql | null = null;

afterAll(async () => {
  await holder?.end({ timeout: 5 });
  await server?.stop();
}, 60_000);

describe("connection pools", () => {
  it("an API request is served while every engine connection waits on a lock", async () => {
    tdb = await createTestDatabase();
    const key = `wck_pools_${Math.random().toString(36).slice(2)}`;
    await insertUser(tdb.db, {
      name: "viewer",
      role: "viewer",
      areaScope: "150400000000",
      keyHash: await sha256Hex(key),
    });
    server = await startServer({ WARNCAST_SEED_DEMO: "false", DATABASE_POOL_SIZE: "2" }, { tdb });
    const get = (path: string) =>
      fetch(server!.url + path, { headers: { authorization: `Bearer ${key}` }, signal: AbortSignal.timeout(15_000) });
    expect((await get("/api/v1/areas?parent=150400000000")).status).toBe(200);

    holder = postgres(tdb.url, { max: 1, onnotice: () => {} });
    const release = deferred();
    const locked = deferred();
    const held = holder.begin(async (tx) => {
      await tx`lock table deliveries in access exclusive mode`;
      locked.resolve();
      await release.promise;
    });
    await locked.promise;
    try {
      // The hub's catch-up read (the engine pool) and the dispatch thread's maintenance (its
      // own pool) touch the ledger every 2 s: both end up waiting on the lock.
      const waiting = async () => {
        const [r] = await tdb!.sql<{ n: number }[]>`
          select count(*)::int as n from pg_stat_activity
          where application_name in ('warncast', 'warncast-dispatch') and wait_event_type = 'Lock'`;
        return r!.n;
      };
      await vi.waitUntil(async () => (await waiting()) >= 2, { timeout: 30_000, interval: 100 });
      const res = await get("/api/v1/areas?parent=150400000000");
      expect(res.status).toBe(200);
      const [api] = await tdb.sql<{ n: number }[]>`
        select count(*)::int as n from pg_stat_activity where application_name = 'warncast-api'`;
      expect(api!.n).toBeGreaterThan(0);
    } finally {
      release.resolve();
      await held;
    }
  });
});
