import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { useContext, type TestContext } from "../helpers/context.js";
import { sendAll } from "../helpers/dispatch.js";
import { createDraft, createIssued, inHours, json, warningBody } from "../helpers/factories.js";
import postgres from "postgres";
import { createDb } from "../../src/db/client.js";
import { getWarning } from "../../src/db/queries/warnings.js";
import { issueWarning } from "../../src/warnings/issue.js";
import { deferred } from "../helpers/deferred.js";
import { lockWaiters, openTransaction, untilSomeoneWaitsOnALock } from "../helpers/locks.js";
import { tryPlanLock } from "../../src/dispatch/plan-lock.js";
import { planLateJoiners } from "../../src/dispatch/planner.js";
import { lanesUnder } from "../../src/db/queries/areas.js";
import { addDevice, addGrid, addPerson, deliveriesOf, setCentroid } from "../helpers/people.js";

const ctx = useContext();
const T1 = "150402001000"; // 西屯街道 (4 villages)
const V1 = "150402001001",
  V2 = "150402001002",
  V3 = "150402001003";
const W1 = "150402002001"; // 三中街街道, another township of 红山区
const G1 = `${V1}-01`;
let X1 = ""; // a village of 松山区
const ids: Record<string, number> = {};
const dev: Record<string, string> = {};

beforeAll(async () => {
  const db = ctx().tdb.db;
  const [x] = await db.execute<{ code: string }>(
    sql`select code from areas where kind = 'village' and code like '150404%' order by code limit 1`,
  );
  X1 = x!.code;
  await addGrid(db, G1, { population: 300 });
  ids.p1 = await addPerson(db, { area: V1, email: "p1@example.cn" });
  ids.p2 = await addPerson(db, { area: V1, phone: null, email: "p2@example.cn" }); // no phone
  ids.p3 = await addPerson(db, { area: V1, audiences: ["info_officer"], role: "primary" });
  ids.both = await addPerson(db, { area: V2, audiences: ["public", "info_officer"], email: "both@example.cn" });
  ids.g1 = await addPerson(db, { area: G1 });
  ids.p5 = await addPerson(db, { area: W1 });
  ids.x1 = await addPerson(db, { area: X1 });
  dev.v1 = await addDevice(db, { area: V1, kind: "loudspeaker" });
  dev.v2 = await addDevice(db, { area: V2, kind: "display" });
  dev.x1 = await addDevice(db, { area: X1, kind: "loudspeaker" });
});

const ALL = ["sms", "email", "loudspeaker", "display"];
/** A warning's rows once everything due is sent: the public's rows exist once their
 * county's walk has written them, as they are claimed (src/deliveries/walks.ts). */
const plannedRows = async (c: TestContext, id: string) => {
  await sendAll(c);
  return deliveriesOf(c.tdb.db, id);
};
const targets = (rows: Awaited<ReturnType<typeof deliveriesOf>>) =>
  rows.map((r) => `${r.channel}:${r.recipient_id ?? r.device_id}`).sort();
const expectTargets = (people: [string, string][], devices: [string, string][]) =>
  [...people.map(([p, ch]) => `${ch}:${ids[p]}`), ...devices.map(([d, ch]) => `${ch}:${dev[d]}`)].sort();

describe("targeting", () => {
  it("a county code reaches every village below it, no further", async () => {
    const c = ctx();
    const w = await createIssued(c, { areas: { codes: ["150402000000"] }, channels: ALL, level: "red" });
    const rows = await plannedRows(c, w.id);
    expect(targets(rows)).toEqual(
      expectTargets(
        [
          ["p1", "sms"],
          ["p1", "email"],
          ["p2", "sms"],
          ["p2", "email"],
          ["both", "sms"],
          ["both", "email"],
          ["g1", "sms"],
          ["g1", "email"],
          ["p5", "sms"],
          ["p5", "email"],
        ],
        [
          ["v1", "loudspeaker"],
          ["v2", "display"],
        ],
      ),
    );
    const [cv] = await c.tdb.db.execute<{ n: number }>(
      sql`select count(*)::int as n from coverage_villages where warning_id = ${w.id}`,
    );
    const [villages] = await c.tdb.db.execute<{ n: number }>(
      sql`select count(*)::int as n from areas where kind = 'village' and code like '150402%'`,
    );
    expect(cv!.n).toBe(villages!.n); // every village counts in the denominator, people or not
  });

  it("a township code excludes its sibling townships", async () => {
    const c = ctx();
    const w = await createIssued(c, { areas: { codes: [T1] }, channels: ["sms"] });
    expect(targets(await plannedRows(c, w.id))).toEqual(
      expectTargets(
        [
          ["p1", "sms"],
          ["p2", "sms"],
          ["both", "sms"],
          ["g1", "sms"],
        ],
        [],
      ),
    );
  });

  it("a village code includes its grids; a grid code only that grid", async () => {
    const c = ctx();
    const v = await createIssued(c, { areas: { codes: [V1] }, channels: ["sms", "loudspeaker"] });
    expect(targets(await plannedRows(c, v.id))).toEqual(
      expectTargets(
        [
          ["p1", "sms"],
          ["p2", "sms"],
          ["g1", "sms"],
        ],
        [["v1", "loudspeaker"]],
      ),
    );
    const g = await createIssued(c, { areas: { codes: [G1] }, channels: ["sms", "loudspeaker"] });
    expect(targets(await plannedRows(c, g.id))).toEqual(expectTargets([["g1", "sms"]], []));
    const [cv] = await c.tdb.db.execute<{ village_code: string; population: number }>(
      sql`select village_code, population from coverage_villages where warning_id = ${g.id}`,
    );
    expect(cv).toEqual({ village_code: V1, population: 300 }); // the grid's own population
    // A grid with a whole village beside it: the grid narrows its own village only.
    const mixed = await createIssued(c, { areas: { codes: [G1, V2] }, channels: ["sms", "loudspeaker", "display"] });
    expect(targets(await plannedRows(c, mixed.id))).toEqual(
      expectTargets(
        [
          ["g1", "sms"],
          ["both", "sms"],
        ],
        [["v2", "display"]],
      ),
    );
  });

  it("polygons select villages by centroid; villages without one are kept and reported", async () => {
    const c = ctx();
    await setCentroid(c.tdb.db, V1, 42.27, 118.95);
    await setCentroid(c.tdb.db, V2, 42.4, 119.3);
    const ring = [
      [42.2, 118.9],
      [42.2, 119.0],
      [42.3, 119.0],
      [42.3, 118.9],
      [42.2, 118.9],
    ];
    const w = await createIssued(c, { areas: { codes: [T1], polygons: [ring] }, channels: ["sms"] });
    const rows = await plannedRows(c, w.id);
    expect(rows.map((r) => r.village_code)).toContain(V1);
    expect(rows.map((r) => r.village_code)).not.toContain(V2);
    const vs = await c.tdb.db.execute<{ village_code: string }>(
      sql`select village_code from coverage_villages where warning_id = ${w.id} order by 1`,
    );
    expect(vs.map((v) => v.village_code)).toEqual([V1, V3, "150402001004"]); // V3, V4 have no centroid
  });

  it("audiences filter recipients; devices only speak to public warnings", async () => {
    const c = ctx();
    const w = await createIssued(c, {
      areas: { codes: [T1] },
      audiences: ["info_officer"],
      channels: ALL,
      level: "red",
    });
    expect(targets(await plannedRows(c, w.id))).toEqual(
      expectTargets(
        [
          ["p3", "sms"],
          ["p3", "email"],
          ["both", "sms"],
          ["both", "email"],
        ],
        [],
      ),
    );
  });

  it("one delivery per recipient per channel, however the codes and audiences overlap", async () => {
    const c = ctx();
    const w = await createIssued(c, {
      areas: { codes: ["150402000000", T1, V2] },
      audiences: ["public", "info_officer"],
      channels: ["sms"],
    });
    const rows = await plannedRows(c, w.id);
    const keys = rows.map((r) => `${r.channel}:${r.recipient_id}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.filter((k) => k === `sms:${ids.both}`)).toHaveLength(1);
  });

  it("channel policy: a blue warning with no channels goes to display and email", async () => {
    const c = ctx();
    const w = await createIssued(c, { areas: { codes: [T1] }, level: "blue", type: "gale" });
    expect(w.channels).toEqual(["display", "email"]);
    const rows = await plannedRows(c, w.id);
    expect(new Set(rows.map((r) => r.channel))).toEqual(new Set(["display", "email"]));
  });

  it("a recipient with no address for a channel is a failed delivery with reason no_address", async () => {
    const c = ctx();
    const w = await createIssued(c, { areas: { codes: [V1] }, channels: ["sms", "email"] });
    const rows = await plannedRows(c, w.id);
    const p2sms = rows.find((r) => r.recipient_id === ids.p2 && r.channel === "sms")!;
    expect(p2sms).toMatchObject({ status: "failed", error_code: "no_address", address: null });
    const g1email = rows.find((r) => r.recipient_id === ids.g1 && r.channel === "email")!;
    expect(g1email.status).toBe("failed");
    const cov = await json(await c.request("GET", `/api/v1/warnings/${w.id}/coverage`));
    // Written as its walk reached them: the two with a phone sent, the one without failed.
    expect(cov.channels.sms).toMatchObject({ targeted: 3, failed: 1, sent: 2 });
  });
});

describe("late joiners", () => {
  it("a device or person added to a targeted village while a warning is in force gets it once; the denominator stays", async () => {
    const c = ctx();
    const V4 = "150402001004";
    const w = await createIssued(c, { areas: { codes: [V4] }, channels: ["sms", "loudspeaker"], level: "red" });
    const population = async () => {
      const [r] = await c.tdb.db.execute<{ n: number }>(sql`
        select sum(population)::int as n from coverage_villages where warning_id = ${w.id}`);
      return r!.n;
    };
    const before = await population();
    const key = c.users.admin.key;
    const device = await json(
      await c.request("POST", "/api/v1/devices", {
        key,
        json: { kind: "loudspeaker", areaCode: V4, name: "新换的大喇叭" },
      }),
    );
    const person = await json(
      await c.request("POST", "/api/v1/recipients", {
        key,
        json: { name: "新来的网格员", phone: "+8613911112222", areaCode: V4, audiences: ["public"], language: "zh" },
      }),
    );
    const elsewhere = await json(
      await c.request("POST", "/api/v1/recipients", {
        key,
        json: { name: "别村的人", phone: "+8613911113333", areaCode: W1, audiences: ["public"], language: "zh" },
      }),
    );
    const imported = await c.request("POST", "/api/v1/recipients/import", {
      key,
      headers: { "content-type": "text/csv" },
      body: "name,phone,areaCode,audiences,language\n导入的人,+8613911114444,150402001004,public,zh\n",
    });
    expect(imported.status).toBe(200);
    const rows = await deliveriesOf(c.tdb.db, w.id);
    expect(rows.filter((r) => r.device_id === device.id).map((r) => r.status)).toEqual(["queued"]);
    expect(rows.filter((r) => r.recipient_id === person.id).map((r) => [r.channel, r.status])).toEqual([
      ["sms", "queued"],
    ]);
    expect(rows.filter((r) => r.recipient_id === elsewhere.id)).toEqual([]);
    expect(rows.filter((r) => r.address === "+8613911114444")).toHaveLength(1);
    // Registering another device re-plans only for it: nobody gets the warning twice.
    await c.request("POST", "/api/v1/devices", { key, json: { kind: "loudspeaker", areaCode: V4, name: "第二个" } });
    const again = await deliveriesOf(c.tdb.db, w.id);
    expect(again.filter((r) => r.recipient_id === person.id)).toHaveLength(1);
    expect(again.filter((r) => r.device_id === device.id)).toHaveLength(1);
    expect(await population()).toBe(before);
  });

  it("a device registered while a devices-only warning is issued and planned in one transaction gets it once", async () => {
    const c = ctx();
    const V5 = "150402001003";
    // Approved for later (a scheduled send): the test issues it as the scheduler would, on
    // its own connection, and holds that transaction open after the plan has read the devices.
    const draft = await createDraft(c, {
      areas: { codes: [V5] },
      channels: ["loudspeaker"],
      level: "red",
      sendAt: inHours(c, 1),
    });
    await c.request("POST", `/api/v1/warnings/${draft.id}/submit`, { key: c.users.issuer.key });
    const approved = await c.request("POST", `/api/v1/warnings/${draft.id}/approve`, { key: c.users.approver.key });
    expect((await json(approved)).status).toBe("approved");
    const w = (await getWarning(c.tdb.db, draft.id))!;
    const issuing = openTransaction(
      c.tdb.url,
      async (tx) => (await issueWarning(tx, w, { now: c.clock.now, actor: "scheduler", actorKind: "system" })).plan,
    );
    try {
      await issuing.ran;
      const res = c.request("POST", "/api/v1/devices", {
        key: c.users.admin.key,
        json: { kind: "loudspeaker", areaCode: V5, name: "换上的控制器" },
      });
      let answered = false;
      void res.finally(() => (answered = true));
      // Wait on state: the registration waits for the issue to commit (it cannot see it).
      await untilSomeoneWaitsOnALock(c.tdb.db, () => answered);
      issuing.commit();
      expect((await issuing.committed).deliveries).toBe(0); // the plan read no device: there was none
      const device = await json(await res);
      const rows = (await deliveriesOf(c.tdb.db, w.id)).filter((r) => r.device_id === device.id);
      expect(rows.map((r) => r.status)).toEqual(["queued"]);
    } finally {
      await issuing.close();
    }
  });

  it("the counties whose joiners' locks an issue takes: a code's own, or every county of a city", async () => {
    const db = ctx().tdb.db;
    expect(await lanesUnder(db, [V1, G1, "150403001000", "150402000000"])).toEqual(["150402", "150403"]);
    const city = await lanesUnder(db, ["150400000000"]);
    const [n] = await db.execute<{ n: number }>(
      sql`select count(distinct left(code, 6))::int as n from areas where kind = 'village' and code like '1504%'`,
    );
    expect(city).toHaveLength(n!.n);
    expect(city.length).toBeGreaterThan(10);
    expect(city.every((l) => /^1504\d\d$/.test(l))).toBe(true);
    expect(await lanesUnder(db, [])).toEqual([]);
  });

  it("a late joiner under way holds up small issues in its own county only", async () => {
    const c = ctx();
    const db = c.tdb.db;
    const A = "150403001001"; // 元宝山区: the joiner's county
    const B = "150402002002"; // 红山区
    const approve = async (village: string) => {
      const d = await createDraft(c, { areas: { codes: [village] }, channels: ["loudspeaker"], level: "red" });
      await c.request("POST", `/api/v1/warnings/${d.id}/submit`, { key: c.users.issuer.key });
      let answered = false;
      const res = c.request("POST", `/api/v1/warnings/${d.id}/approve`, { key: c.users.approver.key });
      void res.finally(() => (answered = true));
      return { id: d.id as string, res, answered: () => answered };
    };
    // A loudspeaker joining in A, its transaction past the joiners' lock and not committed
    // (an import of A's roster while a warning is in force holds it for seconds).
    const joining = openTransaction(c.tdb.url, async (tx) => {
      const id = await addDevice(tx, { area: A, kind: "loudspeaker" });
      await planLateJoiners(tx, { deviceIds: [id] }, c.clock.now);
      return id;
    });
    try {
      const device = await joining.ran;
      // A loudspeakers-only red warning in B is issued without waiting for it.
      const inB = await approve(B);
      await expect(untilSomeoneWaitsOnALock(db, inB.answered)).rejects.toThrow("nothing waited");
      expect(await json(await inB.res)).toMatchObject({ status: "issued" });
      // One in A waits for it, then reads the new loudspeaker: once.
      const inA = await approve(A);
      await untilSomeoneWaitsOnALock(db, inA.answered);
      joining.commit();
      await joining.committed;
      expect(await json(await inA.res)).toMatchObject({ status: "issued" });
      const rows = (await deliveriesOf(db, inA.id)).filter((r) => r.device_id === device);
      expect(rows.map((r) => r.status)).toEqual(["queued"]);
    } finally {
      await joining.close();
    }
  });

  it("a joiner waiting for a planner step, while the version it plans is superseded, deadlocks no one", async () => {
    const c = ctx();
    const V6 = "150402001004";
    const db = c.tdb.db;
    await addPerson(db, { area: V6 });
    // A version with a public: planned after its issue, its targets step not yet run.
    const w = await createDraft(c, { areas: { codes: [V6] }, channels: ["sms"] });
    await c.request("POST", `/api/v1/warnings/${w.id}/submit`, { key: c.users.issuer.key });
    await c.request("POST", `/api/v1/warnings/${w.id}/approve`, { key: c.users.approver.key });
    // Its Update for the loudspeakers alone (planned whole when approved), awaiting approval.
    const upd = await c.request("POST", `/api/v1/warnings/${w.id}/update`, {
      key: c.users.issuer.key,
      json: warningBody(c, { areas: { codes: [V6] }, channels: ["loudspeaker"], level: "red" }),
    });
    const v2 = await json(upd);
    expect(v2.status).toBe("pending");

    // A planner step of the first version holds its plan lock…
    const client = postgres(c.tdb.url, { max: 1, onnotice: () => {} });
    const held = deferred();
    const finish = deferred();
    const step = createDb(client).transaction(async (tx) => {
      if (!(await tryPlanLock(tx, w.id))) throw new Error("another planner holds the warning");
      held.resolve();
      await finish.promise;
      // …and at its end writes that version's row, as every step writes its cursor.
      await tx.execute(sql`update warnings set updated_at = updated_at where id = ${w.id}`);
    });
    try {
      await held.promise;
      // A loudspeaker registered there waits for the step (the joiners' lock held).
      const joined = c.request("POST", "/api/v1/devices", {
        key: c.users.admin.key,
        json: { kind: "loudspeaker", areaCode: V6, name: "新装的大喇叭" },
      });
      await untilSomeoneWaitsOnALock(db);
      // The Update's approval supersedes the first version and plans its loudspeakers.
      const approved = c.request("POST", `/api/v1/warnings/${v2.id}/approve`, { key: c.users.approver.key });
      for (let i = 0; i < 1_000 && (await lockWaiters(db)) < 2; i++) await new Promise((r) => setTimeout(r, 10));
      expect(await lockWaiters(db)).toBe(2);
      finish.resolve();
      await step;
      const [device, issued] = await Promise.all([joined, approved]);
      expect([device.status, issued.status]).toEqual([201, 200]);
      // The approval waited for the registration, and its plan read the loudspeaker: once.
      const d = await json(device);
      const rows = (await deliveriesOf(db, v2.id)).filter((r) => r.device_id === d.id);
      expect(rows).toHaveLength(1);
    } finally {
      finish.resolve();
      await step.catch(() => {});
      await client.end();
    }
  });
});
