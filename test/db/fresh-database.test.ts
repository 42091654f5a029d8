// A deployer's first start: the service opens a new, empty database, migrates it and then
// queries it through the same pool. postgres.js learns the database's array types once per
// connection, when it connects: a connection that ran the migrations had connected before
// the enums existed, and with prepared statements it then sent an enum array parameter as
// "sms,email" ("malformed array literal"; the 叫应 job's statement, found by
// bench:escalation), until the connection was recycled up to an hour later.
import { afterAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { openDatabase } from "../../src/runtime.js";
import { silentLogger } from "../../src/lib/log.js";

let t: TestDatabase | null = null;

afterAll(async () => {
  await t?.drop();
});

describe("a new database", () => {
  it("takes enum array parameters on every pooled connection after its migrations", async () => {
    t = await createTestDatabase({ empty: true });
    // One connection: the pool has no other to fall back on.
    const d = await openDatabase({ url: t.url, dataDir: "/nonexistent", log: silentLogger, max: 1 });
    try {
      const [r] = await d.db.execute<{ n: number }>(
        sql`select array_length(${sql.param(["sms", "email"])}::channel[], 1) as n`,
      );
      expect(r).toEqual({ n: 2 });
    } finally {
      await d.close();
    }
  });
});
