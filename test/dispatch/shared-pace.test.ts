// Shared pacing: two dispatcher processes (two buckets on their own connections) on one
// database together keep to one rate, read back from the grants the database recorded:
// no second ever holds more sends than the rate, and every send was granted.
import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { useContext } from "../helpers/context.js";
import { createDb } from "../../src/db/client.js";
import { SharedTokenBucket } from "../../src/dispatch/shared-bucket.js";

const ctx = useContext();

describe("shared pacing", () => {
  it("two processes' buckets never grant more than the rate in any second, together", async () => {
    const c = ctx();
    const RATE = 100;
    const EACH = 150;
    const clients = [0, 1].map(() => postgres(c.tdb.url, { max: 2, onnotice: () => {} }));
    try {
      const buckets = clients.map((cl) => new SharedTokenBucket(createDb(cl), "test-shared", RATE));
      // Each bucket serves its waiters first come, first served.
      const order: number[][] = [[], []];
      await Promise.all(
        buckets.map((b, i) =>
          Promise.all(Array.from({ length: EACH }, (_, k) => b.take().then(() => order[i]!.push(k)))),
        ),
      );
      for (const o of order) expect(o).toEqual(Array.from({ length: EACH }, (_, k) => k));
      expect(buckets.map((b) => b.waiting)).toEqual([0, 0]);
      const seconds = await c.tdb.db.execute<{ second: string; granted: number }>(
        sql`select second, granted from pace_grants where channel = 'test-shared' order by second`,
      );
      for (const s of seconds) expect(s.granted).toBeLessThanOrEqual(RATE);
      const granted = seconds.reduce((n, s) => n + s.granted, 0);
      expect(granted).toBeGreaterThanOrEqual(2 * EACH);
      // 300 sends at 100 a second cannot have fitted into fewer than three seconds.
      expect(seconds.filter((s) => s.granted > 0).length).toBeGreaterThanOrEqual(3);
    } finally {
      await Promise.all(clients.map((cl) => cl.end()));
    }
  }, 30_000);

  it("grants no more than the pace can send in what is left of the second", async () => {
    const db = ctx().tdb.db;
    // Wait on the database's clock until its second is in its last tenth.
    const msLeft = async () => {
      const [r] = await db.execute<{ ms: number }>(
        sql`select (1000 - extract(milliseconds from clock_timestamp())::int % 1000)::int as ms`,
      );
      return r!.ms;
    };
    for (let i = 0; i < 200 && (await msLeft()) > 100; i++) await new Promise((r) => setTimeout(r, 10));
    const [g] = await db.execute<{ got: number; ms_left: number }>(
      sql`select got, ms_left from take_pace('test-tail', 5000, 5000)`,
    );
    // 5,000 a second: 5 a millisecond at most for the time that second still had.
    expect(g!.got).toBeGreaterThan(0);
    expect(g!.got).toBeLessThanOrEqual(Math.ceil(5 * g!.ms_left));
  });
});
