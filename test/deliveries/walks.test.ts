// A county's public as walks (src/deliveries/walks.ts): the plan writes one row per county
// and channel and counts its people; the claim writes their deliveries batch by batch,
// already `sending`. What must stay true: every counted person gets exactly one row, the
// counters say who was really reached, and a warning that ends leaves a row saying so for
// everyone it had not reached.
import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { useContext, type TestContext } from "../helpers/context.js";
import { createIssued, json } from "../helpers/factories.js";
import { addPerson, deliveriesOf, pendingOf } from "../helpers/people.js";
import { drainWith } from "../helpers/dispatch.js";
import { LoopbackChannel } from "../helpers/loopback-channel.js";
import { untilSomeoneWaitsOnALock } from "../helpers/locks.js";
import { deferred } from "../helpers/deferred.js";
import { claimBatch, expireEnded, recordOutcomes, type ClaimedDelivery } from "../../src/deliveries/claims.js";
import { lockOpenWalks } from "../../src/deliveries/walks.js";
import { createDb } from "../../src/db/client.js";

const ctx = useContext();
const LANE = "150425"; // 克什克腾旗: used only by this file
const village = (n: number) => `${LANE}1002${String(n).padStart(2, "0")}`;

const walksOf = (c: TestContext, id: string) =>
  c.tdb.db.execute<{ lane: string; channel: string; planned: number; taken: number; done: boolean }>(sql`
    select lane, channel::text, planned, taken, done_at is not null as done from public_walks
    where warning_id = ${id} order by channel`);

/** A dispatcher's claim of up to `limit` SMS (owner "t"). */
const claimSms = (c: TestContext, limit: number) =>
  claimBatch(c.tdb.db, { channel: "sms", limit, owner: "t", now: c.clock.now, leaseMs: 60_000 });

/** The sender's record of a claimed batch (owner "t"), every message sent. */
const recordSent = (c: TestContext, batch: ClaimedDelivery[]) =>
  recordOutcomes(
    c.tdb.db,
    "t",
    c.clock.now,
    batch.map((d) => ({
      id: d.id,
      kind: "sent" as const,
      providerId: `walk-${d.id}`,
      renderedLanguage: "zh" as const,
    })),
  );

const smsCounts = async (c: TestContext, id: string) =>
  (await json(await c.request("GET", `/api/v1/warnings/${id}/coverage`))).channels.sms as Record<string, number>;

describe("a county's public walk", () => {
  it("is planned as one row per channel; its people are written once each, already sending, as they are claimed", async () => {
    const c = ctx();
    const db = c.tdb.db;
    const [A, B] = [village(0), village(1)];
    const people: number[] = [];
    for (let i = 0; i < 9; i++)
      people.push(await addPerson(db, { area: i < 5 ? A : B, email: i < 2 ? `walk${i}@example.cn` : null }));
    const noPhone = await addPerson(db, { area: A, phone: null });
    const w = await createIssued(c, { areas: { codes: [A, B] }, channels: ["sms", "email"] });

    expect(await walksOf(c, w.id)).toEqual([
      { lane: LANE, channel: "email", planned: 2, taken: 0, done: false },
      { lane: LANE, channel: "sms", planned: 9, taken: 0, done: false },
    ]);
    // Only those without an address on a channel have a row yet: failed, for staff to see.
    const planned = await deliveriesOf(db, w.id);
    expect(planned.every((d) => d.status === "failed" && d.error_code === "no_address")).toBe(true);
    expect(planned.filter((d) => d.channel === "sms").map((d) => d.recipient_id)).toEqual([noPhone]);
    expect(planned.filter((d) => d.channel === "email")).toHaveLength(8);
    // The coverage report says who is still waiting for their turn.
    expect(await smsCounts(c, w.id)).toMatchObject({ targeted: 10, pending: 9, failed: 1, sent: 0 });
    expect(await pendingOf(db, w.id)).toBe(11);

    // A claim writes the next people, leased to the claimer.
    const batch = await claimSms(c, 4);
    expect(batch.map((d) => d.warningId)).toEqual(Array(4).fill(w.id));
    const rows = await db.execute<{ status: string; lease_owner: string; attempts: number }>(sql`
      select status, lease_owner, attempts from deliveries where id = any(${sql.param(batch.map((d) => d.id))}::bigint[])`);
    expect(rows).toEqual(Array(4).fill({ status: "sending", lease_owner: "t", attempts: 1 }));
    expect(await pendingOf(db, w.id)).toBe(7);
    await recordSent(c, batch);
    expect(await smsCounts(c, w.id)).toMatchObject({ targeted: 10, sent: 4 });

    await drainWith(c, new LoopbackChannel("sms"));
    await drainWith(c, new LoopbackChannel("email"));
    const all = await deliveriesOf(db, w.id);
    const sms = all.filter((d) => d.channel === "sms");
    expect(sms.map((d) => d.recipient_id).sort()).toEqual([...people, noPhone].sort());
    expect(sms.filter((d) => d.status === "sent")).toHaveLength(9);
    expect(all.filter((d) => d.channel === "email" && d.status === "sent").map((d) => d.recipient_id)).toEqual(
      people.slice(0, 2),
    );
    // The ids the plan reserved, each used once.
    expect(new Set(all.map((d) => d.id)).size).toBe(all.length);
    expect(await walksOf(c, w.id)).toEqual([
      { lane: LANE, channel: "email", planned: 2, taken: 2, done: true },
      { lane: LANE, channel: "sms", planned: 9, taken: 9, done: true },
    ]);
    expect(await pendingOf(db, w.id)).toBe(0);
    expect(await smsCounts(c, w.id)).toMatchObject({ targeted: 10, pending: 0, sent: 9, failed: 1 });
  });

  it("someone deactivated after the plan is never written, and leaves `targeted` when the walk ends", async () => {
    const c = ctx();
    const db = c.tdb.db;
    const V = village(2);
    const [stays, leaves] = [await addPerson(db, { area: V }), await addPerson(db, { area: V })];
    const w = await createIssued(c, { areas: { codes: [V] }, channels: ["sms"] });
    expect(await smsCounts(c, w.id)).toMatchObject({ targeted: 2 });
    await db.execute(sql`update recipients set active = false where id = ${leaves}`);
    await drainWith(c, new LoopbackChannel("sms"));
    expect((await deliveriesOf(db, w.id)).map((d) => [d.recipient_id, d.status])).toEqual([[stays, "sent"]]);
    expect(await pendingOf(db, w.id)).toBe(0);
    expect(await smsCounts(c, w.id)).toMatchObject({ targeted: 1, sent: 1 });
  });

  it("passes over a person who already has a row: planned in the first lane, then made public, gets one message", async () => {
    const c = ctx();
    const db = c.tdb.db;
    const V = village(3);
    const cadre = await addPerson(db, { area: V, audiences: ["village_cadre"], role: "primary" });
    const resident = await addPerson(db, { area: V });
    const w = await createIssued(c, {
      areas: { codes: [V] },
      channels: ["sms"],
      audiences: ["public", "village_cadre"],
    });
    expect((await deliveriesOf(db, w.id)).map((d) => d.recipient_id)).toEqual([cadre]);
    // Their post ends while the warning is in force: now one of the public the walk reaches.
    await db.execute(sql`update recipients set audiences = '{public}', role = null where id = ${cadre}`);
    const ch = new LoopbackChannel("sms");
    await drainWith(c, ch);
    const rows = await deliveriesOf(db, w.id);
    expect(rows.map((d) => d.recipient_id).sort()).toEqual([cadre, resident].sort());
    expect(rows.map((d) => ch.sends.get(d.id))).toEqual([1, 1]);
    expect(await pendingOf(db, w.id)).toBe(0);
    expect(await smsCounts(c, w.id)).toMatchObject({ targeted: 2, sent: 2 });
  });

  it("a cancel mid-walk: nobody is sent to after it; the rest are written expired and counted so", async () => {
    const c = ctx();
    const db = c.tdb.db;
    const V = village(4);
    for (let i = 0; i < 6; i++) await addPerson(db, { area: V });
    const w = await createIssued(c, { areas: { codes: [V] }, channels: ["sms"] });
    const ch = new LoopbackChannel("sms");
    // Two reached before the cancel.
    const batch = await claimSms(c, 2);
    expect(batch.map((d) => d.warningId)).toEqual([w.id, w.id]);
    await recordSent(c, batch);
    const r = await c.request("POST", `/api/v1/warnings/${w.id}/cancel`, {
      key: c.users.issuer.key,
      json: { reason: "险情解除" },
    });
    expect(r.status).toBe(201);
    // A dispatcher after the cancel sends none of its people (the all-clear is another
    // warning's rows).
    await drainWith(c, ch);
    expect((await deliveriesOf(db, w.id)).filter((d) => ch.sends.has(d.id))).toEqual([]);
    expect((await deliveriesOf(db, w.id)).filter((d) => d.status === "sent")).toHaveLength(2);
    expect(await pendingOf(db, w.id)).toBe(4);
    // The expiry maintenance writes the four never reached, expired.
    expect(await expireEnded(db, c.clock.now)).toBeGreaterThanOrEqual(4);
    const rows = await deliveriesOf(db, w.id);
    expect(rows.map((d) => d.status).sort()).toEqual(["expired", "expired", "expired", "expired", "sent", "sent"]);
    expect(new Set(rows.map((d) => d.recipient_id)).size).toBe(6);
    expect(await pendingOf(db, w.id)).toBe(0);
    expect(await smsCounts(c, w.id)).toMatchObject({ targeted: 6, sent: 2, expired: 4 });
    expect(await walksOf(c, w.id)).toMatchObject([{ taken: 6, done: true }]);
    // The cancelled warning's rows: none sent after the cancel.
    expect(
      rows
        .filter((d) => d.status === "sent")
        .map((d) => d.id)
        .sort(),
    ).toEqual(batch.map((d) => d.id).sort());
  });

  it("reaches someone who joined a village it has not reached yet, whom no late-joiner path wrote, once", async () => {
    const c = ctx();
    const db = c.tdb.db;
    const V = village(6);
    await addPerson(db, { area: V });
    const w = await createIssued(c, { areas: { codes: [V] }, channels: ["sms"] });
    expect(await smsCounts(c, w.id)).toMatchObject({ targeted: 1, pending: 1 });
    // Committed while the warning's targets were being planned, say: nobody planned them.
    const joined = await addPerson(db, { area: V });
    expect((await deliveriesOf(db, w.id)).filter((d) => d.recipient_id === joined)).toEqual([]);
    await drainWith(c, new LoopbackChannel("sms"));
    const rows = await deliveriesOf(db, w.id);
    expect(rows.filter((d) => d.recipient_id === joined).map((d) => d.status)).toEqual(["sent"]);
    expect(rows).toHaveLength(2);
    // Counted once the walk wrote them: never a negative pending, never a lost one.
    expect(await smsCounts(c, w.id)).toMatchObject({ targeted: 2, pending: 0, sent: 2 });
    expect(await pendingOf(db, w.id)).toBe(0);
  });

  it("takes another block of ids when more people joined ahead of it than its spare ids, and reaches them all once", async () => {
    const c = ctx();
    const db = c.tdb.db;
    const V = village(7);
    for (let i = 0; i < 3; i++) await addPerson(db, { area: V });
    const w = await createIssued(c, { areas: { codes: [V] }, channels: ["sms"] });
    const [walk] = await db.execute<{ ids: number }>(sql`select ids from public_walks where warning_id = ${w.id}`);
    expect(walk!.ids).toBe(3 + 16);
    // More than its spare ids join ahead of it with no late-joiner path (a database edit).
    for (let i = 0; i < 40; i++) await addPerson(db, { area: V });
    // Small batches: the block runs out between two of them, and again within one.
    for (let i = 0; i < 100 && (await pendingOf(db, w.id)) !== 0; i++) {
      const batch = await claimSms(c, 7);
      if (batch.length === 0 && (await walksOf(c, w.id)).every((x) => x.done)) break;
      await recordSent(c, batch);
    }
    expect((await walksOf(c, w.id)).map((x) => [x.taken, x.done])).toEqual([[43, true]]);
    const rows = (await deliveriesOf(db, w.id)).filter((d) => d.channel === "sms");
    expect(rows).toHaveLength(43);
    expect(new Set(rows.map((d) => d.recipient_id)).size).toBe(43);
    expect(new Set(rows.map((d) => d.id)).size).toBe(43);
    expect(rows.every((d) => d.status === "sent")).toBe(true);
    expect(await smsCounts(c, w.id)).toMatchObject({ targeted: 43, pending: 0, sent: 43 });
  });

  it("a person added while a claimer writes their county's walk waits for it, and gets one delivery", async () => {
    const c = ctx();
    const db = c.tdb.db;
    const V = village(5);
    await addPerson(db, { area: V });
    await addPerson(db, { area: V });
    const w = await createIssued(c, { areas: { codes: [V] }, channels: ["sms"] });
    // Another session holds the county's walk, as a claim writing its batch does.
    const other = postgres(c.tdb.url, { max: 1, onnotice: () => {} });
    const held = deferred();
    const release = deferred();
    const holder = createDb(other).transaction(async (tx) => {
      await lockOpenWalks(tx, w.id, [LANE]);
      held.resolve();
      await release.promise;
    });
    try {
      await held.promise;
      const res = c.request("POST", "/api/v1/recipients", {
        key: c.users.issuer.key,
        json: { name: "新来的", phone: "13900472001", areaCode: V, audiences: ["public"] },
      });
      let answered = false;
      void res.finally(() => (answered = true));
      await untilSomeoneWaitsOnALock(db, () => answered);
      release.resolve();
      await holder;
      expect((await res).status).toBe(201);
      const id = (await json(await res)).id as number;
      expect((await deliveriesOf(db, w.id)).filter((d) => d.recipient_id === id)).toHaveLength(1);
    } finally {
      release.resolve();
      await holder.catch(() => {});
      await other.end();
    }
    await drainWith(c, new LoopbackChannel("sms"));
    const rows = await deliveriesOf(db, w.id);
    expect(rows).toHaveLength(3);
    expect(new Set(rows.map((d) => d.recipient_id)).size).toBe(3);
    expect(await smsCounts(c, w.id)).toMatchObject({ targeted: 3, sent: 3 });
  });
});
