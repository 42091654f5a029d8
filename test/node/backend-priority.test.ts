// The dispatcher's database sessions run at its thread's priority when the database is
// this machine's own (src/node/backend-priority.ts).
import { getPriority } from "node:os";
import { describe, expect, it } from "vitest";
import postgres from "postgres";
import { useContext } from "../helpers/context.js";
import { niceBackends } from "../../src/node/backend-priority.js";

const ctx = useContext();

describe.runIf(process.platform === "linux")("backend priority", () => {
  it("renices the pool's own backends, and no other session", async () => {
    const c = ctx();
    const pool = postgres(c.tdb.url, { max: 2, onnotice: () => {}, connection: { application_name: "wc-nice-pool" } });
    const other = postgres(c.tdb.url, {
      max: 1,
      onnotice: () => {},
      connection: { application_name: "wc-nice-other" },
    });
    try {
      // Two sessions at once, so the pool holds two backends.
      await Promise.all([pool`select pg_sleep(0.05)`, pool`select pg_sleep(0.05)`, other`select 1`]);
      const sessions = async (name: string) =>
        (await c.tdb.sql<{ pid: number }[]>`select pid from pg_stat_activity where application_name = ${name}`).map(
          (r) => r.pid,
        );
      const mine = await sessions("wc-nice-pool");
      const theirs = await sessions("wc-nice-other");
      expect(mine).toHaveLength(2);
      expect(theirs).toHaveLength(1);
      const before = getPriority(theirs[0]!);
      expect(await niceBackends(pool, "wc-nice-pool", before + 3)).toBe(2);
      expect(mine.map((pid) => getPriority(pid))).toEqual([before + 3, before + 3]);
      expect(getPriority(theirs[0]!)).toBe(before);
    } finally {
      await pool.end();
      await other.end();
    }
  });
});
