// The dispatcher's maintenance expires the queued rows of ended warnings a batch per
// statement, and never runs two rounds at once: a cancelled city-wide warning's million
// queued rows once made rounds that each outlasted the 2 s interval, pile up on each
// other's row locks and hold the connection pool the console needs.
import { describe, expect, it, vi } from "vitest";
import { sql, type SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { useContext } from "../helpers/context.js";
import { createIssued } from "../helpers/factories.js";
import { plainRenderer } from "../helpers/loopback-channel.js";
import { DispatchRunner } from "../../src/dispatch/runner.js";
import { expireEnded } from "../../src/deliveries/claims.js";
import { silentLogger } from "../../src/lib/log.js";
import type { Db } from "../../src/db/client.js";

const ctx = useContext();
const V = "150404001001"; // a village used only by this file

/** A cancelled warning to `people` of the public (its walk's people, not written yet) or
 * of the first lane (queued rows, written by its plan); `queued` counts both kinds still
 * waiting. */
async function cancelledWarningWith(people: number, audience: "public" | "info_officer" = "public") {
  const c = ctx();
  await c.tdb.db.execute(sql`
    insert into recipients (name, phone, area_code, village_code, audiences, role, dedupe_key)
    select 'exp' || i, '+8613700' || lpad(i::text, 5, '0'), ${V}, ${V}, array[${audience}],
      ${audience === "public" ? null : "primary"}::post_role, 'exp:' || i || ':' || ${people}
    from generate_series(1, ${people}) i
    on conflict do nothing`);
  const w = await createIssued(c, { areas: { codes: [V] }, channels: ["sms"], audiences: [audience] });
  const queued = async () =>
    (
      await c.tdb.db.execute<{ n: number }>(
        sql`select (select count(*) from deliveries where warning_id = ${w.id} and status = 'queued')::int
          + (select coalesce(sum(pending), 0) from coverage_counts where warning_id = ${w.id})::int as n`,
      )
    )[0]!.n;
  expect(await queued()).toBeGreaterThanOrEqual(people);
  await c.tdb.db.execute(sql`update warnings set status = 'cancelled', ended_at = now() where id = ${w.id}`);
  return { w, queued };
}

describe("expiring the queue of an ended warning", () => {
  it("expireEnded takes at most its batch; repeated, it reaches every row", async () => {
    const c = ctx();
    const { queued } = await cancelledWarningWith(25);
    const now = c.clock.now;
    const first = await expireEnded(c.tdb.db, now, undefined, 10);
    expect(first).toBe(10);
    let total = first;
    for (let i = 0; i < 10; i++) {
      const n = await expireEnded(c.tdb.db, now, undefined, 10);
      total += n;
      if (n < 10) break;
    }
    expect(await queued()).toBe(0);
    expect(total).toBeGreaterThanOrEqual(25);
  });

  it("the runner expires a batch per statement, one maintenance round at a time", async () => {
    const c = ctx();
    // Queued rows: the statements this counts are the queued rows' (a walk's run inside
    // its own transaction, checked above).
    const { queued } = await cancelledWarningWith(250, "info_officer");
    const dialect = new PgDialect();
    const seen = { inFlight: 0, max: 0, statements: 0 };
    // Each expiry statement made slower than the maintenance interval, so rounds would
    // overlap if nothing kept them apart.
    const db = new Proxy(c.tdb.db, {
      get(target, p, r) {
        if (p !== "execute") return Reflect.get(target, p, r);
        return async (q: SQL) => {
          if (!dialect.sqlToQuery(q).sql.includes("set status = 'expired'")) return target.execute(q);
          seen.statements++;
          seen.max = Math.max(seen.max, ++seen.inFlight);
          try {
            await new Promise((res) => setTimeout(res, 30));
            return await target.execute(q);
          } finally {
            seen.inFlight--;
          }
        };
      },
    }) as Db;
    const runner = new DispatchRunner({
      db,
      sql: c.tdb.sql,
      channels: [],
      renderer: plainRenderer,
      log: silentLogger,
      now: () => c.clock.now,
      maintenanceMs: 5,
      expireBatch: 40,
    });
    await runner.start();
    try {
      await vi.waitUntil(async () => (await queued()) === 0, { timeout: 20_000, interval: 50 });
    } finally {
      await runner.stop();
    }
    expect(seen.statements).toBeGreaterThanOrEqual(Math.ceil(250 / 40));
    expect(seen.max).toBe(1);
  });
});
