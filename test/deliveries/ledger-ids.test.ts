// Delivery ids come from the writing statement, not a sequence (src/deliveries/ledger-ids.ts):
// a warning's rows are numbered in its block, whichever statement wrote them: 1, 2, … in
// the order they were written or reserved (a county's walk writes into ids its plan
// reserved, with some to spare for people who join before it reaches them).
import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { useContext } from "../helpers/context.js";
import { createIssued, json } from "../helpers/factories.js";
import { addPerson } from "../helpers/people.js";
import { sendAll } from "../helpers/dispatch.js";
import { planLateJoiners } from "../../src/dispatch/planner.js";

const ctx = useContext();
const VA = "150402002001";
const VB = "150402002002";

describe("delivery ids", () => {
  it("the ledger has no sequence and no default id", async () => {
    const db = ctx().tdb.db;
    const [col] = await db.execute<{ d: string | null }>(sql`
      select column_default as d from information_schema.columns where table_name = 'deliveries' and column_name = 'id'`);
    expect(col).toEqual({ d: null });
    const owned = await db.execute<{ seq: string }>(sql`
      select s.relname as seq from pg_class s join pg_depend dep on dep.objid = s.oid
      join pg_class t on t.oid = dep.refobjid
      where s.relkind = 'S' and t.relname like 'deliveries%'`);
    expect(owned).toEqual([]);
  });

  it("a warning's rows have distinct places in its block, across the issue, its counties, a county platform and late joiners", async () => {
    const c = ctx();
    const db = c.tdb.db;
    for (let i = 0; i < 5; i++)
      await addPerson(db, { area: i % 2 ? VA : VB, email: i % 2 ? `l${i}@example.cn` : null });
    await addPerson(db, { area: VA, audiences: ["info_officer"], role: "primary" });
    await db.execute(sql`
      insert into eb_platforms (name, area_code, url, resource_code, options)
      values ('红山区应急广播平台', '150402000000', 'http://127.0.0.1:9/eb', '0415040200000000', '{}'::jsonb)`);
    const speaker = await json(
      await c.request("POST", "/api/v1/devices", {
        key: c.users.admin.key,
        json: { kind: "loudspeaker", areaCode: VA, name: "大喇叭" },
      }),
    );
    expect(speaker.id).toBeTruthy();
    const w = await createIssued(c, {
      level: "red",
      areas: { codes: [VA, VB] },
      channels: ["sms", "email", "loudspeaker", "eb"],
    });
    // Late joiners (the person and device routes plan them in their own transactions).
    const joiner = await c.request("POST", "/api/v1/recipients", {
      key: c.users.admin.key,
      json: { name: "新来的网格员", phone: "+8613911113333", areaCode: VB, audiences: ["public"], language: "zh" },
    });
    expect(joiner.status).toBe(201);
    const device = await c.request("POST", "/api/v1/devices", {
      key: c.users.admin.key,
      json: { kind: "loudspeaker", areaCode: VB, name: "新换的大喇叭" },
    });
    expect(device.status).toBe(201);
    // The public's walks write their people in the ids their plan reserved.
    await sendAll(c);

    const [r] = await db.execute<{ n: number; places: number[]; rows: number; channels: string[] }>(sql`
      select count(*)::int as n, array_agg(d.id - (w.ledger_no << 26) order by d.id)::int[] as places, l.rows,
             array_agg(distinct d.channel::text order by d.channel::text) as channels
      from deliveries d join warnings w on w.id = d.warning_id join delivery_ledgers l on l.warning_id = w.id
      where d.warning_id = ${w.id} group by w.ledger_no, l.rows`);
    expect(r!.channels).toEqual(["eb", "email", "loudspeaker", "sms"]);
    // The joiners' rows are among them: the person's SMS and (no address) failed email, the loudspeaker's command.
    const joined = await db.execute<{ channel: string }>(sql`
      select channel::text from deliveries where warning_id = ${w.id}
        and (recipient_id = ${(await json(joiner)).id} or device_id = ${(await json(device)).id}::uuid)
      order by channel`);
    expect(joined.map((j) => j.channel)).toEqual(["sms", "email", "loudspeaker"].sort());
    // Distinct, from 1, within what the ledger has given out; the gaps are walks' spare ids.
    expect(new Set(r!.places).size).toBe(r!.n);
    expect(r!.places[0]).toBe(1);
    expect(r!.places.at(-1)!).toBeLessThanOrEqual(r!.rows);
    const [spare] = await db.execute<{ n: number }>(sql`
      select coalesce(sum(ids - taken), 0)::int as n from public_walks where warning_id = ${w.id}`);
    expect(r!.rows - r!.n).toBe(spare!.n);
  });

  it("a warning without its ledger row refuses to plan rather than plan nothing", async () => {
    const c = ctx();
    const db = c.tdb.db;
    const w = await createIssued(c, { areas: { codes: [VB] }, channels: ["sms"] });
    await db.execute(sql`delete from delivery_ledgers where warning_id = ${w.id}`);
    const person = await addPerson(db, { area: VB });
    const refused = await db
      .transaction((tx) => planLateJoiners(tx, { recipientIds: [person] }, c.clock.now))
      .then(
        () => null,
        (e: { cause?: { code?: string; column_name?: string } }) => e.cause,
      );
    // not_null_violation on deliveries.id: the plan is refused whole.
    expect(refused).toMatchObject({ code: "23502", column_name: "id" });
    const [n] = await db.execute<{ n: number }>(
      sql`select count(*)::int as n from deliveries where warning_id = ${w.id} and recipient_id = ${person}`,
    );
    expect(n!.n).toBe(0);
  });
});
