// Callbacks arriving together share a statement (group commit), and each is answered only
// once the statement holding it has committed.
import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { useContext } from "../helpers/context.js";
import { createIssued } from "../helpers/factories.js";
import { addPerson } from "../helpers/people.js";
import { claimBatch, recordOutcomes } from "../../src/deliveries/claims.js";
import { ReportCoalescer } from "../../src/deliveries/report-coalescer.js";

const ctx = useContext();
const V = "150402002001";
const V2 = "150402002002";
const N = 50;

describe("the report coalescer", () => {
  it("applies a burst in two statements: the first report at once, the rest together", async () => {
    const c = ctx();
    const db = c.tdb.db;
    for (let i = 0; i < N; i++) await addPerson(db, { area: V });
    const w = await createIssued(c, { areas: { codes: [V] }, channels: ["sms"] });
    const rows = await claimBatch(db, { channel: "sms", limit: 100, owner: "t", now: c.clock.now, leaseMs: 60_000 });
    expect(rows).toHaveLength(N);
    await recordOutcomes(
      db,
      "t",
      c.clock.now,
      rows.map((r) => ({ id: r.id, kind: "sent" as const, providerId: `SMc${r.id}`, renderedLanguage: "zh" as const })),
      rows[0]!.lane,
    );
    const co = new ReportCoalescer(db);
    const applied: number[] = [];
    // Every callback of the burst arrives before the first statement returns.
    const all = rows.map((r, i) =>
      co
        .apply({ providerId: `SMc${r.id}`, status: "delivered", at: c.clock.now }, rows[0]!.lane)
        .then(() => applied.push(i)),
    );
    await Promise.all(all);
    expect(co.statements).toBe(2);
    expect(applied).toHaveLength(N);
    const [n] = await db.execute<{ delivered: number }>(sql`
      select count(*)::int as delivered from deliveries where warning_id = ${w.id} and status = 'delivered'`);
    expect(n!.delivered).toBe(N);
    const [k] = await db.execute<{ delivered: number }>(sql`
      select sum(delivered)::int as delivered from coverage_counts where warning_id = ${w.id}`);
    expect(k!.delivered).toBe(N);
    // Later, alone: a statement of its own, at once.
    await co.apply({ providerId: `SMc${rows[0]!.id}`, status: "acknowledged", at: c.clock.now });
    expect(co.statements).toBe(3);
  });

  it("a report the statement cannot take costs only itself: the rest of its batch is applied", async () => {
    const c = ctx();
    const db = c.tdb.db;
    for (let i = 0; i < 6; i++) await addPerson(db, { area: V2 });
    const w = await createIssued(c, { areas: { codes: [V2] }, channels: ["sms"] });
    const rows = await claimBatch(db, { channel: "sms", limit: 100, owner: "t", now: c.clock.now, leaseMs: 60_000 });
    expect(rows).toHaveLength(6);
    const lane = rows[0]!.lane;
    await recordOutcomes(
      db,
      "t",
      c.clock.now,
      rows.map((r) => ({ id: r.id, kind: "sent" as const, providerId: `SMp${r.id}`, renderedLanguage: "zh" as const })),
      lane,
    );
    const co = new ReportCoalescer(db);
    // The first holds the lane's statement; the other five wait and go as one batch, in
    // which one carries a NUL that Postgres refuses in text.
    const first = co.apply({ providerId: `SMp${rows[0]!.id}`, status: "delivered", at: c.clock.now }, lane);
    const outcomes = rows.slice(1).map((r, i) =>
      co
        .apply(
          i === 2
            ? { providerId: `SMp${r.id}`, status: "failed", error: "bad\u0000text", at: c.clock.now }
            : { providerId: `SMp${r.id}`, status: "delivered", at: c.clock.now },
          lane,
        )
        .then(
          () => "applied",
          () => "refused",
        ),
    );
    await first;
    expect(await Promise.all(outcomes)).toEqual(["applied", "applied", "refused", "applied", "applied"]);
    const [n] = await db.execute<{ delivered: number; counted: number }>(sql`
      select (select count(*)::int from deliveries where warning_id = ${w.id} and status = 'delivered') as delivered,
             (select sum(delivered)::int from coverage_counts where warning_id = ${w.id}) as counted`);
    expect(n).toEqual({ delivered: 5, counted: 5 });
  });

  it("runs at most two statements at once, whatever the number of lanes reporting", async () => {
    const c = ctx();
    const db = c.tdb.db;
    // One village in each of six counties: six lanes, each starting a statement of its own.
    const villages = (
      await db.execute<{ code: string }>(sql`
        select min(code) as code from areas where kind = 'village' and code like '1504%'
        group by left(code, 6) order by 1 limit 6`)
    ).map((r) => r.code);
    expect(villages).toHaveLength(6);
    for (const v of villages) await addPerson(db, { area: v });
    const w = await createIssued(c, { areas: { codes: villages }, channels: ["sms"] });
    // A claim takes one lane: claim until every lane's row is held.
    const mine: Awaited<ReturnType<typeof claimBatch>> = [];
    for (let i = 0; i < 20 && mine.length < 6; i++) {
      const rows = await claimBatch(db, { channel: "sms", limit: 100, owner: "t", now: c.clock.now, leaseMs: 60_000 });
      mine.push(...rows.filter((r) => r.warningId === w.id));
    }
    expect(new Set(mine.map((r) => r.lane)).size).toBe(6);
    for (const r of mine)
      await recordOutcomes(
        db,
        "t",
        c.clock.now,
        [{ id: r.id, kind: "sent", providerId: `SMl${r.id}`, renderedLanguage: "zh" }],
        r.lane,
      );
    const co = new ReportCoalescer(db);
    await Promise.all(
      mine.map((r) => co.apply({ providerId: `SMl${r.id}`, status: "delivered", at: c.clock.now }, r.lane)),
    );
    expect(co.statements).toBe(6);
    expect(co.peak).toBe(2);
    const [n] = await db.execute<{ delivered: number }>(sql`
      select count(*)::int as delivered from deliveries where warning_id = ${w.id} and status = 'delivered'`);
    expect(n!.delivered).toBe(6);
  });
});
