// Progressive planning: the issuing transaction records the plan's intent only; the
// planner then writes its targets (villages, devices, platforms), the people who must act
// and the public, one step per transaction, so a planner that stops between steps resumes
// where it left off.
import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { useContext, type TestContext } from "../helpers/context.js";
import { createDraft, createIssued, json, warningBody } from "../helpers/factories.js";
import { addDevice, addPerson, deliveriesOf } from "../helpers/people.js";
import { continuePlans, planNextChunk, PUBLIC_HOLD_MAX_MS, PUBLIC_HOLD_MS } from "../../src/dispatch/progressive.js";
import { planCountyPeople, planDevices, planLateJoiners } from "../../src/dispatch/planner.js";
import { insertDevice } from "../../src/db/queries/devices.js";
import { createDb, type Db } from "../../src/db/client.js";
import { expireEnded } from "../../src/deliveries/claims.js";
import { getWarning } from "../../src/db/queries/warnings.js";
import { deferred } from "../helpers/deferred.js";
import { lockWaiters, openTransaction, untilSomeoneWaitsOnALock } from "../helpers/locks.js";
import { readCursor } from "../../src/dispatch/plan-cursor.js";
import { sendAll } from "../helpers/dispatch.js";
import { tryPlanLock } from "../../src/dispatch/plan-lock.js";

const ctx = useContext();
const A = "150402001001"; // 红山区
const B = "150404001001"; // 松山区

beforeAll(async () => {
  for (const area of [A, A, B]) await addPerson(ctx().tdb.db, { area });
});

/** Submit and approve through the API, leaving the plan to the test. */
async function approve(c: TestContext, over: Record<string, unknown>) {
  const w = await createDraft(c, over);
  await c.request("POST", `/api/v1/warnings/${w.id}/submit`, { key: c.users.issuer.key });
  const r = await c.request("POST", `/api/v1/warnings/${w.id}/approve`, { key: c.users.approver.key });
  expect(r.status).toBe(200);
  return json(r);
}

const isPublicPhase = async (db: Db, id: string) => readCursor((await getWarning(db, id))!).phase === "public";

const planState = async (c: TestContext, id: string) =>
  (await json(await c.request("GET", `/api/v1/warnings/${id}`))).planState;

/** Plans the pass of the people who must act and returns the public's first county. */
async function firstPublicChunk(c: TestContext, id: string) {
  for (;;) {
    const r = await planNextChunk(c.tdb.db, c.clock.now);
    expect(r?.warningId).toBe(id);
    if (r!.phase === "public") return r!;
  }
}

/** Whether a warning's public pass has planned a county (its walks). */
const publicPlanned = async (c: TestContext, id: string) =>
  (await c.tdb.db.execute(sql`select 1 from public_walks where warning_id = ${id}`)).length > 0 ? 1 : 0;

/** (target, channel) pairs planned more than once for a warning. */
const doubles = (c: TestContext, id: string) =>
  c.tdb.db.execute(sql`
    select recipient_id, device_id, channel, count(*)::int as n from deliveries
    where warning_id = ${id} and purpose = 'warning' group by 1, 2, 3 having count(*) > 1`);

/** A planner step mid-way on its own connection: it holds the warning's plan lock (as
 * planNextChunk does) while `request` starts, and runs `step` only once the request waits on a lock, so
 * the step reads from a snapshot that cannot see what the request commits after it. Throws
 * when the request never waits (answered first, or 10 s without a lock wait). */
async function whileStepHolds<T>(
  c: TestContext,
  warningId: string,
  step: (tx: Db) => Promise<T>,
  request: () => Promise<Response>,
): Promise<{ planned: T; res: Response }> {
  const client = postgres(c.tdb.url, { max: 1, onnotice: () => {} });
  const gate = deferred();
  const held = deferred();
  const planner = createDb(client).transaction(async (tx) => {
    if (!(await tryPlanLock(tx, warningId))) throw new Error("another planner holds the warning");
    held.resolve();
    await gate.promise;
    return step(tx);
  });
  try {
    await held.promise;
    const res = request();
    let answered = false;
    void res.finally(() => (answered = true));
    // Wait on state: the request waits for the plan lock (its late-joiner step).
    await untilSomeoneWaitsOnALock(c.tdb.db, () => answered);
    gate.resolve();
    return { planned: await planner, res: await res };
  } finally {
    gate.resolve();
    await planner.catch(() => {});
    await client.end();
  }
}

describe("progressive plan", () => {
  it("plans a cancel county by county, committing each, and resumes after the last one committed", async () => {
    const c = ctx();
    const w = await createIssued(c, { areas: { codes: [A, B] }, channels: ["sms"] });
    await sendAll(c, ["sms"]);
    const r = await c.request("POST", `/api/v1/warnings/${w.id}/cancel`, {
      key: c.users.issuer.key,
      json: { reason: "险情解除" },
    });
    const cancel = await json(r);
    expect(cancel.planState).toBe("pending");
    expect(await deliveriesOf(c.tdb.db, cancel.id)).toHaveLength(0);
    // Its targets first (the villages the thread reached; no loudspeaker here to stop).
    expect(await planNextChunk(c.tdb.db, c.clock.now)).toMatchObject({ phase: "targets", county: null });

    // One county, committed: the planner "dies" here.
    expect(await planNextChunk(c.tdb.db, c.clock.now)).toMatchObject({ county: "150402", deliveries: 2 });
    expect((await deliveriesOf(c.tdb.db, cancel.id)).map((d) => d.village_code)).toEqual([A, A]);
    expect(await planState(c, cancel.id)).toBe("pending");

    // Another planner picks it up after that county, never planning it twice.
    expect(await continuePlans(c.tdb.db, () => c.clock.now)).toEqual({ chunks: 1, deliveries: 1, warnings: 1 });
    expect((await deliveriesOf(c.tdb.db, cancel.id)).map((d) => d.village_code).sort()).toEqual([A, A, B]);
    expect(await planState(c, cancel.id)).toBe("planned");
    expect(await planNextChunk(c.tdb.db, c.clock.now)).toBeNull();
  });

  it("an issue commits its intent only; its villages follow, then the people who must act county by county, its devices, then the public", async () => {
    const c = ctx();
    const [P1, P2, P3] = ["150402002001", "150403002001", "150404002001"];
    const db = c.tdb.db;
    const pub = [
      await addPerson(db, { area: P1 }),
      await addPerson(db, { area: P2 }),
      await addPerson(db, { area: P3 }),
    ];
    const officers = [
      await addPerson(db, { area: P1, audiences: ["info_officer"], role: "primary" }),
      await addPerson(db, { area: P3, audiences: ["village_cadre"], role: "primary" }),
    ];
    const speaker = await addDevice(db, { area: P2 });
    const w = await approve(c, {
      areas: { codes: [P1, P2, P3] },
      audiences: ["public", "info_officer", "village_cadre"],
      channels: ["sms", "loudspeaker"],
    });
    expect(w).toMatchObject({ status: "issued", planState: "pending" });
    const villages = async () =>
      (
        await db.execute<{ n: number }>(
          sql`select count(*)::int as n from coverage_villages where warning_id = ${w.id}`,
        )
      )[0]!.n;
    // The issuing transaction wrote neither villages nor rows: its size is the same for a
    // village and a city.
    expect([await villages(), (await deliveriesOf(db, w.id)).length]).toEqual([0, 0]);
    const cov = await json(await c.request("GET", `/api/v1/warnings/${w.id}/coverage`));
    expect(cov.planState).toBe("pending");
    // Its targets, in one step: the denominator whole before any delivery exists (coverage
    // never over-reports).
    expect(await planNextChunk(db, c.clock.now)).toMatchObject({
      warningId: w.id,
      phase: "targets",
      county: null,
      deliveries: 0,
      finished: false,
    });
    expect(await villages()).toBe(3);
    expect(await deliveriesOf(db, w.id)).toEqual([]);

    // The officers first, one county per transaction, before any member of the public.
    expect(await planNextChunk(db, c.clock.now)).toMatchObject({
      warningId: w.id,
      county: "150402",
      deliveries: 1,
      phase: "first-lane",
    });
    expect(await planNextChunk(db, c.clock.now)).toMatchObject({
      county: "150403",
      deliveries: 0,
      phase: "first-lane",
    });
    expect(await planNextChunk(db, c.clock.now)).toMatchObject({
      county: "150404",
      deliveries: 1,
      phase: "first-lane",
    });
    expect((await deliveriesOf(db, w.id)).map((d) => d.recipient_id ?? d.device_id).sort()).toEqual(
      [...officers].sort(),
    );
    // Then the loudspeakers and displays, in one step: they speak to the public.
    expect(await planNextChunk(db, c.clock.now)).toMatchObject({ county: null, deliveries: 1, phase: "devices" });
    expect((await deliveriesOf(db, w.id)).map((d) => d.recipient_id ?? d.device_id).sort()).toEqual(
      [...officers, speaker].sort(),
    );
    expect(await planNextChunk(db, c.clock.now)).toMatchObject({ county: "150402", deliveries: 1, phase: "public" });
    expect(await continuePlans(db, () => c.clock.now)).toEqual({ chunks: 2, deliveries: 2, warnings: 1 });
    expect(await planState(c, w.id)).toBe("planned");
    await sendAll(c, ["sms"]);
    const all = await deliveriesOf(db, w.id);
    expect(all.filter((d) => d.recipient_id !== null).map((d) => d.recipient_id)).toEqual(
      expect.arrayContaining([...pub, ...officers]),
    );
    expect(all).toHaveLength(6);
    expect(await doubles(c, w.id)).toEqual([]);
  });

  it("a later warning's people who must act are planned before an earlier warning's public, whatever the levels", async () => {
    const c = ctx();
    const db = c.tdb.db;
    const [P1, P2] = ["150402004001", "150403004001"];
    await addPerson(db, { area: P1 });
    await addPerson(db, { area: P2 });
    const officer = await addPerson(db, { area: P2, audiences: ["grid_worker"], role: "primary" });
    const body = { areas: { codes: [P1, P2] }, audiences: ["public", "grid_worker"], channels: ["sms"] };
    const red = await approve(c, { ...body, level: "red" });
    // The red warning's officers are planned; its public has begun.
    await firstPublicChunk(c, red.id);
    c.clock.advance(1_000);
    const yellow = await approve(c, { ...body, level: "yellow", type: "gale" });
    // The yellow warning's targets and first pass come before the red one's remaining public.
    expect(await planNextChunk(db, c.clock.now)).toMatchObject({ warningId: yellow.id, phase: "targets" });
    const next = await planNextChunk(db, c.clock.now);
    expect(next).toMatchObject({ warningId: yellow.id, phase: "first-lane" });
    const untilPublic: unknown[] = [next];
    for (;;) {
      const r = await planNextChunk(db, c.clock.now);
      untilPublic.push(r);
      if (r?.phase === "public" || r === null) break;
    }
    // Then its devices (before any warning's public), then red before yellow again: the red
    // warning's public goes on.
    expect(untilPublic.at(-1)).toMatchObject({ warningId: red.id, phase: "public" });
    expect(untilPublic.at(-2)).toMatchObject({ warningId: yellow.id, phase: "devices" });
    expect(untilPublic.slice(0, -2)).toEqual(
      untilPublic.slice(0, -2).map(() => expect.objectContaining({ warningId: yellow.id, phase: "first-lane" })),
    );
    expect((await deliveriesOf(db, yellow.id)).map((d) => d.recipient_id)).toContain(officer);
    await continuePlans(db, () => c.clock.now);
  });

  it("a person added while the plan is pending gets one delivery, from whichever side reaches them", async () => {
    const c = ctx();
    const [L1, L2] = ["150402002002", "150404001002"];
    await addPerson(c.tdb.db, { area: L1 });
    await addPerson(c.tdb.db, { area: L2 });
    const w = await approve(c, {
      areas: { codes: [L1, L2] },
      audiences: ["public", "info_officer"],
      channels: ["sms"],
    });
    // Someone who must act, added before the officers' pass reached their county: left to it.
    const early = await c.request("POST", "/api/v1/recipients", {
      key: c.users.issuer.key,
      json: { name: "新人", phone: "13900471000", areaCode: L2, audiences: ["info_officer"], role: "primary" },
    });
    const earlyId = (await json(early)).id as number;
    expect((await deliveriesOf(c.tdb.db, w.id)).filter((d) => d.recipient_id === earlyId)).toHaveLength(0);
    // Its targets, the officers' pass (150402, 150404), its devices, the public's first county.
    for (const phase of ["targets", "first-lane", "first-lane", "devices", "public"])
      expect(await planNextChunk(c.tdb.db, c.clock.now)).toMatchObject({ warningId: w.id, phase });
    expect((await deliveriesOf(c.tdb.db, w.id)).filter((d) => d.recipient_id === earlyId)).toHaveLength(1);
    const add = async (areaCode: string, phone: string, audiences: string[]) => {
      const r = await c.request("POST", "/api/v1/recipients", {
        key: c.users.issuer.key,
        json: { name: "新人", phone, areaCode, audiences, ...(audiences[0] === "public" ? {} : { role: "primary" }) },
      });
      expect(r.status).toBe(201);
      return (await json(r)).id as number;
    };
    const rows = async (id: number) => (await deliveriesOf(c.tdb.db, w.id)).filter((d) => d.recipient_id === id);
    // A county already planned: the late-joiner path reaches them at once.
    const inPlanned = await add(L1, "13900471001", ["public"]);
    expect(await rows(inPlanned)).toHaveLength(1);
    // A county still to plan: left to the county planner, which has not read them yet.
    const inPending = await add(L2, "13900471002", ["public"]);
    expect(await rows(inPending)).toHaveLength(0);
    // The first lane never waits for a county.
    const officer = await add(L2, "13900471003", ["info_officer"]);
    expect(await rows(officer)).toHaveLength(1);

    await continuePlans(c.tdb.db, () => c.clock.now);
    await sendAll(c, ["sms"]);
    for (const id of [inPlanned, inPending, officer, earlyId]) expect(await rows(id)).toHaveLength(1);
    expect(await deliveriesOf(c.tdb.db, w.id)).toHaveLength(6);
    expect(await doubles(c, w.id)).toEqual([]);
  });

  it("a person added while a county planner holds the warning waits for it, and is reached once", async () => {
    const c = ctx();
    const [K1, K2] = ["150402003001", "150404003001"];
    await addPerson(c.tdb.db, { area: K1 });
    await addPerson(c.tdb.db, { area: K2 });
    const w = await approve(c, { areas: { codes: [K1, K2] }, channels: ["sms"] });
    expect(await firstPublicChunk(c, w.id)).toMatchObject({ county: "150402" });
    const row = (await getWarning(c.tdb.db, w.id))!;
    // The next planner writes K2's county from a snapshot that cannot see the newcomer.
    const { planned, res } = await whileStepHolds(
      c,
      w.id,
      async (tx) => {
        const n = await planCountyPeople(tx, row, "150404", c.clock.now);
        await tx.execute(sql`update warnings set plan_cursor = '150404' where id = ${w.id}`);
        return n;
      },
      () =>
        c.request("POST", "/api/v1/recipients", {
          key: c.users.issuer.key,
          json: { name: "新人", phone: "13900471004", areaCode: K2, audiences: ["public"] },
        }),
    );
    expect(planned).toBe(1);
    expect(res.status).toBe(201);
    const id = (await json(res)).id as number;
    expect((await deliveriesOf(c.tdb.db, w.id)).filter((d) => d.recipient_id === id)).toHaveLength(1);
    await continuePlans(c.tdb.db, () => c.clock.now);
    await sendAll(c, ["sms"]);
    expect(await doubles(c, w.id)).toEqual([]);
    expect(await deliveriesOf(c.tdb.db, w.id)).toHaveLength(3);
  });

  it("a loudspeaker registered while the devices step holds the warning waits for it, and gets one command", async () => {
    const c = ctx();
    const T1 = "150402005001";
    const w = await approve(c, { areas: { codes: [T1] }, channels: ["sms", "loudspeaker"] });
    // Its targets and officers' pass: the devices' step is next.
    for (const phase of ["targets", "first-lane"])
      expect(await planNextChunk(c.tdb.db, c.clock.now)).toMatchObject({ warningId: w.id, phase });
    const row = (await getWarning(c.tdb.db, w.id))!;
    expect(row.planCursor).toBe("devices");
    // The devices step reads the devices from a snapshot that cannot see the new loudspeaker.
    const { planned, res } = await whileStepHolds(
      c,
      w.id,
      async (tx) => {
        const planned = await planDevices(tx, row, c.clock.now);
        await tx.execute(sql`update warnings set plan_cursor = '' where id = ${w.id}`);
        return planned;
      },
      () =>
        c.request("POST", "/api/v1/devices", {
          key: c.users.admin.key,
          json: { kind: "loudspeaker", areaCode: T1, name: "新喇叭" },
        }),
    );
    expect(planned).toBe(0);
    expect(res.status).toBe(201);
    const id = (await json(res)).id as string;
    expect((await deliveriesOf(c.tdb.db, w.id)).filter((d) => d.device_id === id)).toHaveLength(1);
    await continuePlans(c.tdb.db, () => c.clock.now);
    expect(await doubles(c, w.id)).toEqual([]);
  });

  it("a version issued before the devices step existed (its devices planned at issue) gets no second command", async () => {
    const c = ctx();
    const U1 = "150402005002";
    const speaker = await addDevice(c.tdb.db, { area: U1 });
    const w = await approve(c, { areas: { codes: [U1] }, channels: ["sms", "loudspeaker"] });
    await continuePlans(c.tdb.db, () => c.clock.now);
    const commands = async () => (await deliveriesOf(c.tdb.db, w.id)).filter((d) => d.device_id === speaker);
    expect(await commands()).toHaveLength(1);
    // As the previous release left it: devices written at issue, the first lane's pass done,
    // the cursor moving on into the step this release added.
    await c.tdb.db.execute(sql`update warnings set plan_state = 'pending', plan_cursor = 'devices' where id = ${w.id}`);
    expect(await planNextChunk(c.tdb.db, c.clock.now)).toMatchObject({
      warningId: w.id,
      phase: "devices",
      deliveries: 0,
    });
    await continuePlans(c.tdb.db, () => c.clock.now);
    expect(await commands()).toHaveLength(1);
    expect(await planState(c, w.id)).toBe("planned");
    expect(await doubles(c, w.id)).toEqual([]);
  });

  it("a runner's public pass waits for the people who must act: until their messages are sent, or PUBLIC_HOLD_MS after they were queued", async () => {
    const c = ctx();
    const db = c.tdb.db;
    const [H1, H2] = ["150402006001", "150402006002"];
    const officer = await addPerson(db, { area: H1, audiences: ["village_cadre"], role: "primary" });
    const resident = await addPerson(db, { area: H1 });
    const hold = { holdPublic: true } as const;
    const reached = async (id: string, person: number) =>
      (await deliveriesOf(db, id)).filter((d) => d.recipient_id === person).length;
    const body = { audiences: ["public", "village_cadre"], channels: ["sms"] };
    // Earlier tests' officers' rows (never sent here) hold no longer.
    c.clock.advance(PUBLIC_HOLD_MS + 1_000);

    // Sent: the public follows at once.
    const w1 = await approve(c, { ...body, areas: { codes: [H1] } });
    expect(await continuePlans(db, () => c.clock.now, undefined, hold)).toMatchObject({ held: true });
    expect([await reached(w1.id, officer), await publicPlanned(c, w1.id)]).toEqual([1, 0]);
    await db.execute(sql`update deliveries set status = 'sent', sent_at = now() where warning_id = ${w1.id}`);
    const after = await continuePlans(db, () => c.clock.now, undefined, hold);
    expect(after.held).toBeUndefined();
    expect(await publicPlanned(c, w1.id)).toBe(1);

    // Never sent (a slow channel): the hold ends PUBLIC_HOLD_MS after the officer's row was queued.
    await addPerson(db, { area: H2 });
    const o2 = await addPerson(db, { area: H2, audiences: ["village_cadre"], role: "primary" });
    const w2 = await approve(c, { ...body, areas: { codes: [H2] } });
    expect(await continuePlans(db, () => c.clock.now, undefined, hold)).toMatchObject({ held: true });
    expect([await reached(w2.id, o2), await publicPlanned(c, w2.id)]).toEqual([1, 0]);
    c.clock.advance(PUBLIC_HOLD_MS - 1_000);
    expect(await continuePlans(db, () => c.clock.now, undefined, hold)).toMatchObject({ held: true });
    c.clock.advance(2_000);
    expect((await continuePlans(db, () => c.clock.now, undefined, hold)).held).toBeUndefined();
    expect(await publicPlanned(c, w2.id)).toBe(1);
    expect(await planState(c, w2.id)).toBe("planned");
    // Other tests' rows must not hold anyone's public: nothing of this test is left queued.
    await db.execute(
      sql`update deliveries set status = 'sent', sent_at = now() where warning_id in (${w1.id}, ${w2.id}) and status = 'queued'`,
    );
  });

  it("a person who must act holds the public pass until their first message is on its way, not their every channel", async () => {
    const c = ctx();
    const db = c.tdb.db;
    const H7 = "150402006007";
    const officer = await addPerson(db, {
      area: H7,
      audiences: ["village_cadre"],
      role: "primary",
      email: "cadre7@example.test",
    });
    await addPerson(db, { area: H7 });
    const hold = { holdPublic: true } as const;
    c.clock.advance(PUBLIC_HOLD_MS + 1_000);
    const w = await approve(c, {
      audiences: ["public", "village_cadre"],
      channels: ["sms", "email"],
      areas: { codes: [H7] },
    });
    expect(await continuePlans(db, () => c.clock.now, undefined, hold)).toMatchObject({ held: true });
    const mine = async () =>
      Object.fromEntries(
        (await deliveriesOf(db, w.id)).filter((d) => d.recipient_id === officer).map((d) => [d.channel, d.status]),
      );
    expect(await mine()).toEqual({ sms: "queued", email: "queued" });
    // Their SMS is out; their email (a slower relay) is still queued, well within the hold.
    await db.execute(
      sql`update deliveries set status = 'sent', sent_at = now() where warning_id = ${w.id} and channel = 'sms'`,
    );
    expect((await continuePlans(db, () => c.clock.now, undefined, hold)).held).toBeUndefined();
    expect(await publicPlanned(c, w.id)).toBe(1);
    expect(await mine()).toEqual({ sms: "sent", email: "queued" });
    await db.execute(
      sql`update deliveries set status = 'sent', sent_at = now() where warning_id = ${w.id} and status = 'queued'`,
    );
  });

  it("an all-clear to officers (a cancel elsewhere) holds no one's public pass", async () => {
    const c = ctx();
    const db = c.tdb.db;
    const [H5, H6] = ["150402006005", "150402006006"];
    const cadre = await addPerson(db, { area: H5, audiences: ["village_cadre"], role: "primary" });
    await addPerson(db, { area: H6 });
    const hold = { holdPublic: true } as const;
    c.clock.advance(PUBLIC_HOLD_MS + 1_000);
    // A warning to H5's officers, sent, then cancelled: its all-clear to the cadre is queued.
    const x = await approve(c, { audiences: ["village_cadre"], channels: ["sms"], areas: { codes: [H5] } });
    await db.execute(sql`update deliveries set status = 'sent', sent_at = now() where warning_id = ${x.id}`);
    const cancel = await json(
      await c.request("POST", `/api/v1/warnings/${x.id}/cancel`, {
        key: c.users.approver.key,
        json: { reason: "解除" },
      }),
    );
    await continuePlans(db, () => c.clock.now);
    const allClear = (await deliveriesOf(db, cancel.id)).filter((d) => d.recipient_id === cadre);
    expect(allClear.map((d) => d.status)).toEqual(["queued"]);
    // A public warning elsewhere is planned at once: the all-clear is not a message to act on.
    const w = await approve(c, { audiences: ["public"], channels: ["sms"], areas: { codes: [H6] } });
    const r = await continuePlans(db, () => c.clock.now, undefined, hold);
    expect(r.held).toBeUndefined();
    expect(await publicPlanned(c, w.id)).toBe(1);
    await db.execute(
      sql`update deliveries set status = 'sent', sent_at = now() where warning_id in (${cancel.id}, ${w.id}) and status = 'queued'`,
    );
  });

  it("a stream of other warnings' officers holds a public pass at most PUBLIC_HOLD_MAX_MS after its issue", async () => {
    const c = ctx();
    const db = c.tdb.db;
    const [H3, H4] = ["150402006003", "150402006004"];
    await addPerson(db, { area: H3 });
    await addPerson(db, { area: H3, audiences: ["village_cadre"], role: "primary" });
    const officer4 = await addPerson(db, { area: H4, audiences: ["village_cadre"], role: "primary" });
    const hold = { holdPublic: true } as const;
    c.clock.advance(PUBLIC_HOLD_MS + 1_000);
    const w = await approve(c, { audiences: ["public", "village_cadre"], channels: ["sms"], areas: { codes: [H3] } });
    const issuedAt = c.clock.now.getTime();
    const others: string[] = [];
    // Every few seconds another warning queues an officer's message (never sent here), each
    // of which alone would hold a public pass PUBLIC_HOLD_MS.
    const step = PUBLIC_HOLD_MS - 1_000;
    let heldUntil = 0;
    for (let i = 0; i < 10 && c.clock.now.getTime() - issuedAt < PUBLIC_HOLD_MAX_MS + step; i++) {
      const o = await approve(c, { audiences: ["village_cadre"], channels: ["sms"], areas: { codes: [H4] } });
      others.push(o.id);
      expect((await deliveriesOf(db, o.id)).filter((d) => d.recipient_id === officer4)).toHaveLength(1);
      const r = await continuePlans(db, () => c.clock.now, undefined, hold);
      const reached = (await publicPlanned(c, w.id)) === 1;
      if (r.held) {
        expect(reached).toBe(false);
        heldUntil = c.clock.now.getTime() - issuedAt;
      } else expect(reached).toBe(true);
      if (reached) break;
      c.clock.advance(step);
    }
    // Held while its own hold lasted and past it (the others' rows), never past the bound.
    expect(heldUntil).toBeGreaterThan(PUBLIC_HOLD_MS);
    expect(heldUntil).toBeLessThan(PUBLIC_HOLD_MAX_MS);
    expect(await publicPlanned(c, w.id)).toBe(1);
    await db.execute(
      sql`update deliveries set status = 'sent', sent_at = now()
          where warning_id = any(${sql.param([w.id, ...others])}::uuid[]) and status = 'queued'`,
    );
  });

  it("a version superseded while it plans stops planning; its successor plans in full", async () => {
    const c = ctx();
    const [S1, S2] = ["150402002003", "150403002002"];
    await addPerson(c.tdb.db, { area: S1 });
    await addPerson(c.tdb.db, { area: S2 });
    const areas = { codes: [S1, S2] };
    const v1 = await approve(c, { areas, channels: ["sms"] });
    expect(await firstPublicChunk(c, v1.id)).toMatchObject({ county: "150402" });
    const u = await c.request("POST", `/api/v1/warnings/${v1.id}/update`, {
      key: c.users.issuer.key,
      json: warningBody(c, { areas, channels: ["sms"], level: "red", description: "降雨加强" }),
    });
    const v2 = await json(u);
    const a = await c.request("POST", `/api/v1/warnings/${v2.id}/approve`, { key: c.users.approver.key });
    expect(await json(a)).toMatchObject({ status: "issued", planState: "pending" });

    await continuePlans(c.tdb.db, () => c.clock.now);
    expect(await json(await c.request("GET", `/api/v1/warnings/${v1.id}`))).toMatchObject({
      status: "updated",
      planState: "stopped",
    });
    // v1 planned S1's county only; its one person there is written expired, never sent.
    await sendAll(c, ["sms"]);
    await expireEnded(c.tdb.db, c.clock.now);
    expect((await deliveriesOf(c.tdb.db, v1.id)).map((d) => [d.village_code, d.status])).toEqual([[S1, "expired"]]);
    expect(await planState(c, v2.id)).toBe("planned");
    expect((await deliveriesOf(c.tdb.db, v2.id)).map((d) => d.village_code).sort()).toEqual([S1, S2]);
    const [audit] = await c.tdb.db.execute<{ actor_kind: string }>(
      sql`select actor_kind from audit_log where subject_id = ${v1.id} and action = 'warning.plan_stopped'`,
    );
    expect(audit).toMatchObject({ actor_kind: "system" });
  });

  it("a cancel while a planner writes one of the warning's counties answers without waiting for that county", async () => {
    const c = ctx();
    const db = c.tdb.db;
    const [C1, C2] = ["150402004003", "150403001007"];
    await addPerson(db, { area: C1 });
    await addPerson(db, { area: C2 });
    const w = await approve(c, { areas: { codes: [C1, C2] }, channels: ["sms"] });
    // Up to the public's first county: its targets, the people who must act, its devices.
    while (!(await isPublicPhase(db, w.id)))
      expect(await planNextChunk(db, c.clock.now)).toMatchObject({ warningId: w.id });
    // Another session's uncommitted counter row of C1 holds the county's statement mid-way
    // (as a million rows being written would).
    const other = postgres(c.tdb.url, { max: 1, onnotice: () => {} });
    const inserted = deferred();
    const release = deferred();
    const holder = other
      .begin(async (t) => {
        await t`insert into coverage_counts (warning_id, village_code, channel, targeted) values (${w.id}, ${C1}, 'sms', 0)`;
        inserted.resolve();
        await release.promise;
        throw new Error("rolled back");
      })
      .catch(() => {});
    try {
      await inserted.promise;
      const step = planNextChunk(db, c.clock.now);
      let stepped = false;
      void step.finally(() => (stepped = true)).catch(() => {});
      await untilSomeoneWaitsOnALock(db, () => stepped);
      const res = c.request("POST", `/api/v1/warnings/${w.id}/cancel`, {
        key: c.users.issuer.key,
        json: { reason: "险情解除" },
      });
      let answered = false;
      void res.finally(() => (answered = true));
      // Wait on state: the cancel answers, or it joins the planner in waiting on a lock.
      for (let polls = 0; !answered; polls++) {
        expect(await lockWaiters(db), "the cancel waits for the county being planned").toBeLessThan(2);
        if (polls > 1_000) throw new Error("the cancel neither answered nor waited");
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(stepped).toBe(false);
      expect((await res).status).toBe(201);
      release.resolve();
      // The county under way commits (its rows expire: the warning has ended); no other follows.
      expect(await step).toMatchObject({ warningId: w.id, county: "150402", deliveries: 1 });
      await continuePlans(db, () => c.clock.now);
      expect(await json(await c.request("GET", `/api/v1/warnings/${w.id}`))).toMatchObject({
        status: "cancelled",
        planState: "stopped",
      });
      await expireEnded(db, c.clock.now);
      expect((await deliveriesOf(db, w.id)).map((d) => [d.village_code, d.status])).toEqual([[C1, "expired"]]);
    } finally {
      release.resolve();
      await holder;
      await other.end();
    }
  });

  it("a planner killed mid-plan (after some counties, and inside one) leaves exactly one delivery per target and channel", async () => {
    const c = ctx();
    const villages = ["150402001002", "150402001003", "150403001001", "150403001002", "150404001003"];
    const people: number[] = [];
    for (const area of villages)
      for (let i = 0; i < 3; i++)
        people.push(await addPerson(c.tdb.db, { area, email: `p${people.length}@example.cn` }));
    const w = await approve(c, { areas: { codes: villages }, channels: ["sms", "email"] });
    expect(await firstPublicChunk(c, w.id)).toMatchObject({ county: "150402", deliveries: 12 });
    // Killed inside the next county: its transaction never commits.
    const row = (await getWarning(c.tdb.db, w.id))!;
    await expect(
      c.tdb.db.transaction(async (tx) => {
        expect(await planCountyPeople(tx, row, "150403", c.clock.now)).toBe(12);
        throw new Error("killed");
      }),
    ).rejects.toThrow("killed");
    expect(await planState(c, w.id)).toBe("pending");

    // Another process takes over from the last committed county.
    const client = postgres(c.tdb.url, { max: 2, onnotice: () => {} });
    try {
      expect(await continuePlans(createDb(client), () => c.clock.now)).toEqual({
        chunks: 2,
        deliveries: 18,
        warnings: 1,
      });
    } finally {
      await client.end();
    }
    await sendAll(c, ["sms", "email"]);
    const all = await deliveriesOf(c.tdb.db, w.id);
    expect(all).toHaveLength(people.length * 2);
    expect(new Set(all.map((d) => `${d.recipient_id}:${d.channel}`)).size).toBe(people.length * 2);
    expect(await doubles(c, w.id)).toEqual([]);
  });

  it("a step that writes devices waits for a joiner under way in its county: registered before the issue, committed after, it gets the warning; other counties plan meanwhile", async () => {
    const c = ctx();
    const db = c.tdb.db;
    const V = "150402007001";
    await addPerson(db, { area: V });
    // A loudspeaker registered (its transaction open): it looked for warnings in force and
    // found none, since this warning is not issued yet.
    const joiner = openTransaction(c.tdb.url, async (tx) => {
      const d = await insertDevice(tx, {
        kind: "loudspeaker",
        name: "新装的大喇叭",
        areaCode: V,
        villageCode: V,
        tokenHash: "test-joiner-under-way",
      });
      expect(await planLateJoiners(tx, { deviceIds: [d.id] }, c.clock.now)).toEqual([]);
      return d.id;
    });
    try {
      const deviceId = await joiner.ran;
      const w = await approve(c, { areas: { codes: [V] }, channels: ["sms", "loudspeaker"], level: "red" });
      expect(await planNextChunk(db, c.clock.now)).toMatchObject({ warningId: w.id, phase: "targets" });
      // The officers' pass and the devices step write people and devices: not while the
      // joiner is open (its row could be missed by both sides).
      expect(await planNextChunk(db, c.clock.now)).toMatchObject({ warningId: w.id, joinerWaiting: true });
      expect(await continuePlans(db, () => c.clock.now)).toMatchObject({ chunks: 0, held: true });
      // A warning in another county is planned meanwhile, its officers first: the joiner
      // holds up its own county's steps only.
      const Y = "150403003001";
      const cadre = await addPerson(db, { area: Y, audiences: ["village_cadre"], role: "primary" });
      await addPerson(db, { area: Y });
      const other = await approve(c, {
        areas: { codes: [Y] },
        audiences: ["public", "village_cadre"],
        channels: ["sms"],
      });
      expect(await continuePlans(db, () => c.clock.now)).toMatchObject({ held: true });
      expect(await planState(c, other.id)).toBe("planned");
      expect((await deliveriesOf(db, other.id)).filter((r) => r.recipient_id === cadre)).toHaveLength(1);
      expect(await planState(c, w.id)).toBe("pending");
      joiner.commit();
      await joiner.committed;
      await continuePlans(db, () => c.clock.now);
      expect(await planState(c, w.id)).toBe("planned");
      const rows = (await deliveriesOf(db, w.id)).filter((r) => r.device_id === deviceId);
      expect(rows.map((r) => r.status)).toEqual(["queued"]);
    } finally {
      await joiner.close();
    }
  });
});
