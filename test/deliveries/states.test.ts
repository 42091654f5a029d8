// The delivery transition table, directly: in TypeScript, as installed in Postgres, and as
// every reported state goes through it (replays and out-of-order reports).
import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { useContext } from "../helpers/context.js";
import { createIssued } from "../helpers/factories.js";
import { sendAll } from "../helpers/dispatch.js";
import { addPerson, deliveriesOf } from "../helpers/people.js";
import { canMove, TRANSITIONS, type TargetKind } from "../../src/deliveries/states.js";
import { applyDeliveryReports, applyProviderReports } from "../../src/deliveries/reports.js";
import { claimBatch, recordOutcomes } from "../../src/deliveries/claims.js";
import { DELIVERY_STATUSES, type DeliveryStatus } from "../../src/domain/vocabulary.js";

const ctx = useContext();
const V = "150404001001";

describe("the delivery transition table", () => {
  it("only moves forward: no state is reachable from itself or returns to queued except a retry", () => {
    for (const kind of ["person", "device"] as TargetKind[]) {
      for (const from of DELIVERY_STATUSES) {
        expect(canMove(kind, from, from), `${kind} ${from}→${from}`).toBe(false);
        if (from !== "sending") expect(canMove(kind, from, "queued"), `${kind} ${from}→queued`).toBe(false);
      }
      for (const end of ["acknowledged", "expired"] as DeliveryStatus[]) expect(TRANSITIONS[kind][end]).toEqual([]);
    }
  });

  it("a device fails after received and stays failed; a person's receipt after a failure wins", () => {
    expect(canMove("device", "delivered", "failed")).toBe(true);
    expect(canMove("device", "failed", "delivered")).toBe(false);
    expect(canMove("device", "failed", "acknowledged")).toBe(false);
    expect(canMove("person", "delivered", "failed")).toBe(false);
    expect(canMove("person", "failed", "delivered")).toBe(true);
  });

  it("Postgres's delivery_can_move() is the same table, pair for pair", async () => {
    const rows = await ctx().tdb.db.execute<{ ch: string; f: string; t: string; ok: boolean }>(sql`
      select ch::text, f::text, t::text, delivery_can_move(ch, f, t) as ok
      from unnest(array['sms', 'loudspeaker']::channel[]) ch,
           unnest(enum_range(null::delivery_status)) f, unnest(enum_range(null::delivery_status)) t`);
    expect(rows).toHaveLength(2 * DELIVERY_STATUSES.length ** 2);
    for (const r of rows) {
      const kind: TargetKind = r.ch === "sms" ? "person" : "device";
      expect(r.ok, `${r.ch} ${r.f}→${r.t}`).toBe(canMove(kind, r.f as DeliveryStatus, r.t as DeliveryStatus));
    }
  });

  it("Postgres inlines delivery_can_move() into the statements that call it (no function call per row)", async () => {
    const plan = await ctx().tdb.db.execute<{ "QUERY PLAN": string }>(sql`
      explain (verbose, costs off)
      select d.id from deliveries d join (values (1::bigint, 'delivered'::delivery_status)) o(id, status) on d.id = o.id
      where delivery_can_move(d.channel, d.status, o.status)`);
    const text = plan.map((r) => r["QUERY PLAN"]).join("\n");
    expect(text).toContain("ANY");
    expect(text).not.toContain("delivery_can_move");
  });

  it("replayed and out-of-order reports end where the table says, with the first time of each state kept", async () => {
    const c = ctx();
    await addPerson(c.tdb.db, { area: V });
    const w = await createIssued(c, { areas: { codes: [V] }, channels: ["sms"] });
    await sendAll(c, ["sms"]);
    const [d] = await deliveriesOf(c.tdb.db, w.id);
    await c.tdb.db.execute(sql`update deliveries set status = 'sent', sent_at = now() where id = ${d!.id}`);
    const t = (s: number) => new Date(c.clock.now.getTime() + s * 1000);
    const apply = (status: "delivered" | "failed" | "acknowledged" | "sent", s: number) =>
      applyDeliveryReports(c.tdb.db, [{ deliveryId: d!.id, status, at: t(s) }]);
    expect(await apply("acknowledged", 3)).toEqual([d!.id]); // the confirmation came first
    expect(await apply("delivered", 1)).toEqual([]); // the receipt, late
    expect(await apply("acknowledged", 4)).toEqual([]); // a replay
    expect(await apply("sent", 0)).toEqual([]);
    expect(await apply("failed", 5)).toEqual([]);
    const [row] = await c.tdb.db.execute<{
      status: string;
      acknowledged_at: Date;
      delivered_at: Date;
      failed_at: Date | null;
    }>(sql`select status, acknowledged_at, delivered_at, failed_at from deliveries where id = ${d!.id}`);
    expect(row).toMatchObject({ status: "acknowledged", failed_at: null });
    expect(new Date(row!.acknowledged_at).getTime()).toBe(t(3).getTime());
  });

  it("reports for one message in one batch all apply, in order, each counted once", async () => {
    const c = ctx();
    await addPerson(c.tdb.db, { area: V });
    const w = await createIssued(c, { areas: { codes: [V] }, channels: ["sms"] });
    const [d] = await claimBatch(c.tdb.db, {
      channel: "sms",
      limit: 10,
      owner: "t",
      now: c.clock.now,
      leaseMs: 60_000,
    });
    await recordOutcomes(c.tdb.db, "t", c.clock.now, [
      { id: d!.id, kind: "sent", providerId: "SMbatch", renderedLanguage: "zh" },
    ]);
    const t = (s: number) => new Date(c.clock.now.getTime() + s * 1000);
    // A batch of callbacks (a coalesced burst) holding the receipt and then the reply 收到.
    await applyProviderReports(c.tdb.db, [
      { providerId: "SMbatch", status: "delivered", at: t(1) },
      { providerId: "SMbatch", status: "acknowledged", at: t(2) },
      { providerId: "SMbatch", status: "delivered", at: t(3) },
    ]);
    const [row] = await c.tdb.db.execute<{ status: string; delivered_at: Date; acknowledged_at: Date }>(
      sql`select status, delivered_at, acknowledged_at from deliveries where id = ${d!.id}`,
    );
    expect(row!.status).toBe("acknowledged");
    expect(new Date(row!.delivered_at).getTime()).toBe(t(1).getTime());
    expect(new Date(row!.acknowledged_at).getTime()).toBe(t(2).getTime());
    const [n] = await c.tdb.db.execute<{ delivered: number; acknowledged: number; reached: number }>(sql`
      select delivered, acknowledged, reached::int from coverage_counts where warning_id = ${w.id} and channel = 'sms'`);
    expect(n).toEqual({ delivered: 1, acknowledged: 1, reached: 1 });
  });
});
