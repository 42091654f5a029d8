// The ledger's statistics keep up with a fan-out (src/db/statistics.ts): a partition that
// grew since its last analysis is analyzed by the dispatch maintenance, and a lookup of a
// batch of deliveries by id then probes the primary key instead of reading the partition.
import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { useContext } from "../helpers/context.js";
import { refreshStatistics } from "../../src/db/statistics.js";

const ctx = useContext();
const ROWS = 100_000;

/** The plan of looking up 50 deliveries by id, as a batch of device acks does. */
async function lookupPlan(ids: number[]): Promise<string> {
  const batch = JSON.stringify(ids.map((id) => ({ id, status: "delivered" })));
  const rows = await ctx().tdb.db.execute<{ "QUERY PLAN": string }>(sql`
    explain (costs off)
    with o as (select * from jsonb_to_recordset(${batch}::jsonb) as o(id bigint, status text))
    select d.id from deliveries d join o on d.id = o.id
    where delivery_can_move(d.channel, d.status, o.status::delivery_status)`);
  return rows.map((r) => r["QUERY PLAN"]).join("\n");
}

describe("ledger statistics", () => {
  it("a partition a fan-out has grown is analyzed, and id lookups then use its key", async () => {
    const db = ctx().tdb.db;
    const [w] = await db.execute<{ id: string }>(sql`select gen_random_uuid()::text as id`);
    await db.execute(sql`
      insert into deliveries (id, warning_id, issued_at, channel, recipient_id, village_code, level_rank, priority, status)
      select g, ${w!.id}::uuid, now(), 'sms', g, '150402001001', 1, 1, 'sent' from generate_series(1, ${ROWS}) g`);
    // Written by a fan-out, not yet counted as changes until the writer's statistics reach
    // the shared counters (at most a second later): wait for that state.
    const changed = async () => {
      const [r] = await db.execute<{ n: number }>(sql`
        select coalesce(sum(s.n_mod_since_analyze), 0)::int as n from pg_stat_user_tables s
        where s.relid in (select inhrelid from pg_inherits where inhparent = 'deliveries'::regclass)`);
      return r!.n;
    };
    for (let i = 0; i < 200 && (await changed()) < ROWS; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await changed()).toBeGreaterThanOrEqual(ROWS);

    const ids = Array.from({ length: 50 }, (_, i) => 1 + i * 997);
    // Never analyzed: Postgres does not know an id names one row, and reads the partition.
    expect(await lookupPlan(ids)).toMatch(/Seq Scan on deliveries_p\d+/);

    const analyzed = await refreshStatistics(db);
    expect(analyzed.some((t) => /^deliveries_p\d+$/.test(t))).toBe(true);
    const plan = await lookupPlan(ids);
    expect(plan).toMatch(/Index Scan using deliveries_p\d+_pkey/);
    expect(plan).not.toMatch(/Seq Scan on deliveries_p\d+/);

    // Nothing changed since: nothing to analyze.
    expect(await refreshStatistics(db)).toEqual([]);
  });
});
