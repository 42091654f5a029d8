// The coverage counters are written by the statements that write deliveries
// (src/deliveries/coverage.ts), with no trigger behind them: after a workload through every
// one of those statements, the counters must equal a recount of the ledger itself.
import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { useContext } from "../helpers/context.js";
import { createIssued } from "../helpers/factories.js";
import { addDevice, addPerson, deliveriesOf } from "../helpers/people.js";
import { claimBatch, expireEnded, recordOutcomes, type Outcome } from "../../src/deliveries/claims.js";
import { applyDeliveryReports, applyProviderReports } from "../../src/deliveries/reports.js";
import { claimDeviceCommands, markDeviceCommandsSent } from "../../src/deliveries/device-commands.js";
import { failDeliveries } from "../../src/deliveries/fail.js";

const ctx = useContext();
const VA = "150402002001";
const VB = "150402002002";

/** coverage_counts against the ledger: one row per (village, channel) that differs. An eb
 * delivery counts in every village its broadcast names. */
async function countersVersusLedger(warningId: string) {
  return ctx().tdb.db.execute(sql`
    with rows as (
      select coalesce(ev.v, d.village_code) as village_code, d.channel, d.recipient_id, d.device_id,
             d.sent_at, d.delivered_at, d.acknowledged_at, d.failed_at, d.expired_at, dv.reach, cv.population
      from deliveries d
      left join eb_broadcasts eb on eb.delivery_id = d.id
      left join lateral unnest(eb.villages) ev(v) on true
      left join devices dv on dv.id = d.device_id
      left join coverage_villages cv on cv.warning_id = d.warning_id and cv.village_code = coalesce(ev.v, d.village_code)
      where d.warning_id = ${warningId} and d.purpose = 'warning'
    ),
    recount as (
      select village_code, channel::text as channel, count(*)::int as targeted,
        count(sent_at)::int as sent, count(delivered_at)::int as delivered, count(acknowledged_at)::int as acknowledged,
        count(failed_at)::int as failed, count(expired_at)::int as expired,
        sum(case when recipient_id is not null then (delivered_at is not null or acknowledged_at is not null)::int
                 when acknowledged_at is not null then coalesce(reach, population) else 0 end)::int as reached
      from rows group by 1, 2
    ),
    kept as (
      select village_code, channel::text as channel, targeted, sent, delivered, acknowledged, failed, expired, reached::int
      from coverage_counts where warning_id = ${warningId}
    )
    select coalesce(r.village_code, k.village_code) as village, coalesce(r.channel, k.channel) as channel,
           to_jsonb(r) - 'village_code' - 'channel' as ledger, to_jsonb(k) - 'village_code' - 'channel' as counters
    from recount r full join kept k using (village_code, channel)
    where to_jsonb(r) - 'village_code' - 'channel' is distinct from to_jsonb(k) - 'village_code' - 'channel'`);
}

/** People reached per village, each once (coverage_persons, coverage_villages) against the ledger. */
async function peopleVersusLedger(warningId: string) {
  return ctx().tdb.db.execute(sql`
    with ledger as (
      select village_code, count(distinct recipient_id)::int as persons from deliveries
      where warning_id = ${warningId} and purpose = 'warning' and recipient_id is not null
        and (delivered_at is not null or acknowledged_at is not null)
      group by 1
    ),
    -- Loudspeakers and displays in their village; a county platform's broadcast in each
    -- village it names, like a loudspeaker there.
    devices_reached as (
      select coalesce(ev.v, d.village_code) as village_code, sum(coalesce(dv.reach, cv.population))::int as reach
      from deliveries d
      left join eb_broadcasts eb on eb.delivery_id = d.id
      left join lateral unnest(eb.villages) ev(v) on true
      left join devices dv on dv.id = d.device_id
      join coverage_villages cv on cv.warning_id = d.warning_id and cv.village_code = coalesce(ev.v, d.village_code)
      where d.warning_id = ${warningId} and d.purpose = 'warning' and d.device_id is not null and d.acknowledged_at is not null
      group by 1
    )
    select cv.village_code, cv.persons_reached, coalesce(l.persons, 0) as persons,
           (select count(*)::int from coverage_persons p where p.warning_id = cv.warning_id and p.village_code = cv.village_code) as listed,
           cv.device_reach::int, coalesce(r.reach, 0) as reach
    from coverage_villages cv left join ledger l using (village_code) left join devices_reached r using (village_code)
    where cv.warning_id = ${warningId}
      and (cv.persons_reached <> coalesce(l.persons, 0) or cv.device_reach <> coalesce(r.reach, 0)
        or cv.persons_reached <> (select count(*) from coverage_persons p where p.warning_id = cv.warning_id and p.village_code = cv.village_code))`);
}

describe("coverage counters without triggers", () => {
  it("no trigger is left on the ledger or the broadcasts", async () => {
    const rows = await ctx().tdb.db.execute<{ name: string }>(sql`
      select tgname as name from pg_trigger
      where not tgisinternal and (tgrelid::regclass::text like 'deliveries%' or tgrelid = 'eb_broadcasts'::regclass)`);
    expect(rows).toEqual([]);
  });

  it("equal a recount of the ledger after every statement that writes it", async () => {
    const c = ctx();
    const db = c.tdb.db;
    const people: number[] = [];
    for (let i = 0; i < 12; i++) {
      people.push(await addPerson(db, { area: i % 2 ? VA : VB, email: i % 3 === 0 ? `p${i}@example.cn` : null }));
    }
    await addPerson(db, { area: VA, phone: null }); // planned failed: no address
    const speaker = await addDevice(db, { area: VA });
    const display = await addDevice(db, { area: VB, kind: "display", reach: 7 });
    const replay = await addDevice(db, { area: VB });
    await db.execute(sql`
      insert into eb_platforms (name, area_code, url, resource_code, options)
      values ('红山区应急广播平台', '150402000000', 'http://127.0.0.1:9/eb', '0415040200000000', '{}'::jsonb)`);
    const w = await createIssued(c, {
      level: "red",
      areas: { codes: [VA, VB] },
      channels: ["sms", "email", "loudspeaker", "display", "eb"],
    });
    const now = c.clock.now;
    const at = (s: number) => new Date(now.getTime() + s * 1000);

    // The dispatcher: claim, then every kind of outcome (recordOutcomes).
    const sms = await claimBatch(db, { channel: "sms", limit: 100, owner: "t", now, leaseMs: 60_000 });
    expect(sms.length).toBeGreaterThanOrEqual(12);
    const kinds: Outcome["kind"][] = ["sent", "delivered", "failed", "retry", "expired", "sent"];
    const outcomes = sms.map((d, i): Outcome => {
      const kind = kinds[i % kinds.length]!;
      if (kind === "sent" || kind === "delivered")
        return { id: d.id, kind, providerId: `SM${d.id}`, renderedLanguage: "zh" };
      if (kind === "retry") return { id: d.id, kind, code: "busy", error: "busy", nextAttemptAt: at(30) };
      if (kind === "failed") return { id: d.id, kind, code: "30003", error: "unreachable" };
      return { id: d.id, kind };
    });
    await recordOutcomes(db, "t", at(1), outcomes, sms[0]!.lane);
    const email = await claimBatch(db, { channel: "email", limit: 100, owner: "t", now, leaseMs: 60_000 });
    await recordOutcomes(
      db,
      "t",
      at(1),
      email.map((d) => ({ id: d.id, kind: "sent", providerId: `EM${d.id}`, renderedLanguage: "zh" })),
    );
    const eb = await claimBatch(db, { channel: "eb", limit: 10, owner: "t", now, leaseMs: 60_000 });
    expect(eb).toHaveLength(1);
    await recordOutcomes(db, "t", at(1), [{ id: eb[0]!.id, kind: "sent", providerId: "EBM1", renderedLanguage: "zh" }]);

    // Provider callbacks (one unknown id is parked), replays and a receipt after a failure.
    const sent = outcomes.filter((o) => o.kind === "sent") as { providerId: string }[];
    const failed = outcomes.filter((o) => o.kind === "failed") as { id: number }[];
    await applyProviderReports(db, [
      ...sent.map((o) => ({ providerId: o.providerId, status: "delivered" as const, at: at(2) })),
      { providerId: `SM${failed[0]!.id}`, status: "delivered", at: at(3) },
      { providerId: "SM-unknown", status: "delivered", at: at(3) },
      { providerId: `EM${email[0]!.id}`, status: "failed", at: at(3) },
      { providerId: "EBM1", status: "acknowledged", at: at(4) },
    ]);
    await applyProviderReports(db, [{ providerId: sent[0]!.providerId, status: "delivered", at: at(5) }]);

    // Devices: the hub's send-then-record, the replay path's claim, acks, an amplifier fault.
    const rows = await deliveriesOf(db, w.id);
    const of = (device: string) => rows.find((r) => r.device_id === device)!.id;
    await markDeviceCommandsSent(
      db,
      [speaker, display].map((d) => ({ id: of(d), language: "zh" as const })),
      at(1),
    );
    expect(await claimDeviceCommands(db, [replay], at(1))).toHaveLength(1);
    await applyDeliveryReports(db, [
      { deliveryId: of(speaker), status: "delivered", at: at(2) },
      { deliveryId: of(display), status: "acknowledged", at: at(2) },
      { deliveryId: of(replay), status: "delivered", at: at(2) },
    ]);
    await applyDeliveryReports(db, [{ deliveryId: of(speaker), status: "acknowledged", at: at(3) }]);
    // Staff confirm one person by phone (叫应): counted once although also delivered.
    const person = rows.find((r) => r.recipient_id === people[1] && r.channel === "sms")!.id;
    await applyDeliveryReports(db, [{ deliveryId: person, status: "acknowledged", at: at(6) }]);
    expect(
      await failDeliveries(db, {
        where: sql`d.id = ${of(replay)}`,
        code: "amplifier",
        error: "amplifier fault",
        at: at(7).toISOString(),
      }),
    ).toBe(1);

    // The warning ends: what is still queued expires.
    await db.execute(sql`update warnings set status = 'cancelled' where id = ${w.id}`);
    expect(await expireEnded(db, at(8), [w.id])).toBeGreaterThan(0);

    expect(await countersVersusLedger(w.id)).toEqual([]);
    expect(await peopleVersusLedger(w.id)).toEqual([]);
    // Every state the workload meant to reach is there, so the recount compared something.
    const [n] = await db.execute<Record<string, number>>(sql`
      select sum(targeted)::int as targeted, sum(sent)::int as sent, sum(delivered)::int as delivered,
        sum(acknowledged)::int as acknowledged, sum(failed)::int as failed, sum(expired)::int as expired,
        sum(reached)::int as reached
      from coverage_counts where warning_id = ${w.id}`);
    for (const k of ["targeted", "sent", "delivered", "acknowledged", "failed", "expired", "reached"])
      expect(n![k], k).toBeGreaterThan(0);
    // The curve holds what the villages hold, capped at each village's population.
    const [curve] = await db.execute<{ curve: number; capped: number }>(sql`
      select (select coalesce(sum(reached_delta), 0)::int from coverage_timeline where warning_id = ${w.id}) as curve,
             (select sum(least(population, persons_reached + device_reach))::int from coverage_villages
              where warning_id = ${w.id}) as capped`);
    expect(curve!.curve).toBe(curve!.capped);
  });
});
