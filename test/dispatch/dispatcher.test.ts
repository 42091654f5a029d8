import { beforeAll, describe, expect, it, vi } from "vitest";
import { sql } from "drizzle-orm";
import { useContext, type TestContext } from "../helpers/context.js";
import { createIssued, json } from "../helpers/factories.js";
import { addDevice, addPerson, deliveriesOf, pendingOf } from "../helpers/people.js";
import { LoopbackChannel, plainRenderer } from "../helpers/loopback-channel.js";
import { defaultDispatchOptions, dispatchOnce, newRamp, type LoopDeps } from "../../src/dispatch/dispatcher.js";
import { claimBatch, expireEnded, recordOutcomes, recoverLeases } from "../../src/deliveries/claims.js";
import { applyProviderReports } from "../../src/deliveries/reports.js";
import { unpaced } from "../../src/dispatch/pacer.js";
import { drain, pushDeviceCommands, startRunner } from "../helpers/dispatch.js";
import { DispatchRunner } from "../../src/dispatch/runner.js";
import { silentLogger } from "../../src/lib/log.js";

const ctx = useContext();
const V = "150403001001"; // a village of 元宝山区, used only by this file

beforeAll(async () => {
  for (let i = 0; i < 6; i++) await addPerson(ctx().tdb.db, { area: V });
});

function loop(c: TestContext, channel: LoopbackChannel, over: Partial<LoopDeps> = {}): LoopDeps {
  return {
    db: c.tdb.db,
    channel,
    bucket: unpaced,
    renderer: plainRenderer,
    owner: "test-owner",
    now: () => c.clock.now,
    log: silentLogger,
    options: { ...defaultDispatchOptions, batchSize: 100 },
    ...over,
  };
}
const issue = (c: TestContext, over: Record<string, unknown> = {}) =>
  createIssued(c, { areas: { codes: [V] }, channels: ["sms"], level: "orange", ...over });
const statuses = async (c: TestContext, id: string) => (await deliveriesOf(c.tdb.db, id)).map((d) => d.status);

describe("dispatch", () => {
  it("claims little first after an empty queue, then four times more while claims come back full", async () => {
    const c = ctx();
    const V2 = "150403001003"; // only this test
    for (let i = 0; i < 120; i++) await addPerson(c.tdb.db, { area: V2 });
    await issue(c, { areas: { codes: [V2] } });
    const ch = new LoopbackChannel("sms");
    const deps = loop(c, ch, { ramp: newRamp() });
    const sizes: number[] = [];
    for (let n = await dispatchOnce(deps); n > 0; n = await dispatchOnce(deps)) sizes.push(n);
    // 20, then 80; the batch size (100) caps the rest; an empty claim starts again at 20.
    expect(sizes).toEqual([20, 80, 20]);
    expect(deps.ramp).toEqual({ limit: 20 });
  });

  it("sends every queued delivery once and records provider ids and times", async () => {
    const c = ctx();
    const w = await issue(c);
    const ch = new LoopbackChannel("sms");
    expect(await dispatchOnce(loop(c, ch))).toBe(6);
    const rows = await c.tdb.db.execute<{
      status: string;
      provider_id: string;
      sent_at: Date;
      attempts: number;
      rendered_language: string;
    }>(
      sql`select status, provider_id, sent_at, attempts, rendered_language from deliveries where warning_id = ${w.id}`,
    );
    expect(
      rows.every(
        (r) =>
          r.status === "sent" &&
          r.provider_id?.startsWith("sms-") &&
          r.sent_at &&
          r.attempts === 1 &&
          r.rendered_language === "zh",
      ),
    ).toBe(true);
    expect(ch.messages[0]!.message.text).toContain(w.headline);
    expect(await dispatchOnce(loop(c, ch))).toBe(0);
    expect(ch.totalSends).toBe(6);
  });

  it("retries a retryable error with backoff, then succeeds", async () => {
    const c = ctx();
    const w = await issue(c);
    const ch = new LoopbackChannel("sms");
    ch.defaultBehaviour = "retryable";
    await dispatchOnce(loop(c, ch));
    const after1 = await deliveriesOf(c.tdb.db, w.id);
    expect(after1.every((d) => d.status === "queued" && d.attempts === 1 && d.error_code === "429")).toBe(true);
    expect(await dispatchOnce(loop(c, ch))).toBe(0); // not due yet
    c.clock.advance(3_000); // backoff for attempt 1 is 1–2 s
    ch.defaultBehaviour = "delivered";
    expect(await dispatchOnce(loop(c, ch))).toBe(6);
    expect(await statuses(c, w.id)).toEqual(Array(6).fill("delivered"));
  });

  it("a permanent error fails at once; retryable errors retry past any count while the warning is in force, then expire", async () => {
    const c = ctx();
    const w = await issue(c, { expires: new Date(c.clock.now.getTime() + 3_600_000).toISOString() });
    const ch = new LoopbackChannel("sms");
    ch.next = ["permanent"];
    ch.defaultBehaviour = "retryable";
    const deps = loop(c, ch, { options: { ...defaultDispatchOptions, backoff: { baseMs: 10, capMs: 10 } } });
    for (let i = 0; i < 8; i++) {
      await dispatchOnce(deps);
      c.clock.advance(1_000);
    }
    let rows = await deliveriesOf(c.tdb.db, w.id);
    expect(rows.filter((r) => r.error_code === "21211")).toEqual([
      expect.objectContaining({ status: "failed", attempts: 1 }),
    ]);
    const busy = rows.filter((r) => r.error_code === "429");
    expect(busy).toHaveLength(5);
    // The old limit was 5 attempts and then `failed`: an outage must not lose the warning.
    expect(busy.every((r) => r.status === "queued" && r.attempts === 8)).toBe(true);
    c.clock.advance(3_600_000);
    await dispatchOnce(deps);
    rows = await deliveriesOf(c.tdb.db, w.id);
    expect(rows.filter((r) => r.error_code === "429").every((r) => r.status === "expired")).toBe(true);
  });

  it("honours a provider's Retry-After over a shorter backoff", async () => {
    const c = ctx();
    const w = await issue(c);
    const ch = new LoopbackChannel("sms");
    ch.defaultBehaviour = "retryable";
    ch.retryAfterMs = 30_000;
    await dispatchOnce(loop(c, ch, { options: { ...defaultDispatchOptions, backoff: { baseMs: 10, capMs: 10 } } }));
    const rows = await c.tdb.db.execute<{ wait_ms: number }>(sql`
      select extract(epoch from (next_attempt_at - ${c.clock.now.toISOString()}::timestamptz)) * 1000 as wait_ms
      from deliveries where warning_id = ${w.id}`);
    expect(rows.length).toBe(6);
    expect(rows.every((r) => Number(r.wait_ms) >= 30_000)).toBe(true);
  });

  it("a stalled send is aborted at its deadline and retried; never two sends of one delivery in flight", async () => {
    const c = ctx();
    const w = await issue(c);
    const ch = new LoopbackChannel("sms");
    ch.defaultBehaviour = "stall";
    await dispatchOnce(loop(c, ch, { options: { ...defaultDispatchOptions, sendTimeoutMs: 50 } }));
    expect((await deliveriesOf(c.tdb.db, w.id)).every((d) => d.status === "queued" && d.error_code === "timeout")).toBe(
      true,
    );
    expect(ch.maxInFlightPerDelivery).toBe(1);
  });

  it("a send that answers after its deadline is recorded as answered: a late success is not re-sent, a late 550 wins", async () => {
    const c = ctx();
    const w = await issue(c);
    const ch = new LoopbackChannel("sms");
    ch.next = Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? "late-sent" : "late-permanent"));
    const deps = loop(c, ch, { options: { ...defaultDispatchOptions, sendTimeoutMs: 20 } });
    const running = dispatchOnce(deps);
    // Past the deadline and still waiting for the provider: nothing was handed back.
    await vi.waitUntil(() => ch.aborted === 6);
    expect(await dispatchOnce(loop(c, ch, { owner: "other" }))).toBe(0);
    ch.releaseLateSends();
    await running;
    const after = await deliveriesOf(c.tdb.db, w.id);
    expect(after.filter((r) => r.status === "sent")).toHaveLength(3);
    expect(after.filter((r) => r.status === "failed" && r.error_code === "smtp_550")).toHaveLength(3);
    c.clock.advance(600_000);
    await dispatchOnce(deps);
    expect(after.map((r) => ch.sends.get(Number(r.id)))).toEqual(Array(6).fill(1));
  });

  it("a live sender renews its leases, so a slow batch is never handed to another sender", async () => {
    const c = ctx();
    const w = await issue(c);
    const ch = new LoopbackChannel("sms");
    ch.defaultBehaviour = "late-sent";
    const running = dispatchOnce(loop(c, ch, { options: { ...defaultDispatchOptions, leaseMs: 300 } }));
    await vi.waitUntil(() => ch.totalSends === 6);
    // The clock passes the original lease; the renewal moves it on.
    c.clock.advance(1_000);
    await vi.waitUntil(async () => {
      const [r] = await c.tdb.db.execute<{ n: number }>(sql`select count(*)::int as n from deliveries
        where warning_id = ${w.id} and status = 'sending' and lease_until > ${c.clock.now.toISOString()}::timestamptz`);
      return r!.n === 6;
    });
    expect(await recoverLeases(c.tdb.db, c.clock.now)).toBe(0);
    ch.releaseLateSends();
    await running;
    expect(await statuses(c, w.id)).toEqual(Array(6).fill("sent"));
    expect(ch.totalSends).toBe(6);
  });

  it("a crashed sender's rows are claimed again after the lease; its late record is ignored", async () => {
    const c = ctx();
    const w = await issue(c);
    const crashed = await claimBatch(c.tdb.db, {
      channel: "sms",
      limit: 100,
      owner: "crashed",
      now: c.clock.now,
      leaseMs: 60_000,
    });
    expect(crashed.length).toBeGreaterThanOrEqual(6);
    const ch = new LoopbackChannel("sms");
    expect(await dispatchOnce(loop(c, ch))).toBe(0); // still leased
    expect(await recoverLeases(c.tdb.db, c.clock.now)).toBe(0);
    c.clock.advance(61_000);
    expect(await recoverLeases(c.tdb.db, c.clock.now)).toBe(crashed.length);
    await dispatchOnce(loop(c, ch));
    expect(await statuses(c, w.id)).toEqual(Array(6).fill("sent"));
    const late = await recordOutcomes(
      c.tdb.db,
      "crashed",
      c.clock.now,
      crashed.map((d) => ({ id: d.id, kind: "failed", code: "x", error: "late" })),
    );
    expect(late).toBe(0);
    expect(await statuses(c, w.id)).toEqual(Array(6).fill("sent"));
  });

  it("deliveries of a warning cancelled or expired before sending become expired, never sent", async () => {
    const c = ctx();
    const cancelled = await issue(c);
    const r = await c.request("POST", `/api/v1/warnings/${cancelled.id}/cancel`, {
      key: c.users.issuer.key,
      json: { reason: "险情解除" },
    });
    const cancel = await json(r);
    const ch = new LoopbackChannel("sms");
    // No claim takes an ended warning's people; the expiry maintenance writes them expired.
    expect(await dispatchOnce(loop(c, ch))).toBe(0);
    expect(await statuses(c, cancelled.id)).toEqual([]);
    expect(await expireEnded(c.tdb.db, c.clock.now)).toBeGreaterThanOrEqual(6);
    expect(await statuses(c, cancelled.id)).toEqual(Array(6).fill("expired"));
    expect(await pendingOf(c.tdb.db, cancelled.id)).toBe(0);
    expect((await deliveriesOf(c.tdb.db, cancel.id)).length).toBe(0); // nobody got the warning, so no all-clear
    expect(ch.totalSends).toBe(0);

    const short = await issue(c, { expires: new Date(c.clock.now.getTime() + 60_000).toISOString() });
    c.clock.advance(120_000);
    await dispatchOnce(loop(c, ch));
    await expireEnded(c.tdb.db, c.clock.now);
    expect(await statuses(c, short.id)).toEqual(Array(6).fill("expired"));
    expect(ch.totalSends).toBe(0);
  });

  it("cancel returns before its all-clear and stops exist; a runner, woken at commit, plans the stops, then the all-clear to who got it", async () => {
    const c = ctx();
    const spk = await addDevice(c.tdb.db, { area: V, kind: "loudspeaker" });
    const w = await issue(c, { channels: ["sms", "loudspeaker"] });
    const sms = new LoopbackChannel("sms");
    sms.next = ["permanent"]; // one person never got it
    await dispatchOnce(loop(c, sms));
    const cancel = await json(
      await c.request("POST", `/api/v1/warnings/${w.id}/cancel`, {
        key: c.users.approver.key,
        json: { reason: "险情解除" },
      }),
    );
    expect(cancel.planState).toBe("pending");
    // The request recorded the intent only: its size does not grow with the thread's reach.
    expect(await deliveriesOf(c.tdb.db, cancel.id)).toHaveLength(0);
    // Any dispatcher process plans it, woken by the cancel's own NOTIFY.
    const runner = new DispatchRunner({
      db: c.tdb.db,
      sql: c.tdb.sql,
      channels: [],
      renderer: plainRenderer,
      log: silentLogger,
      now: () => c.clock.now,
    });
    await runner.start();
    try {
      await vi.waitUntil(
        async () => (await json(await c.request("GET", `/api/v1/warnings/${cancel.id}`))).planState === "planned",
        { timeout: 10_000 },
      );
    } finally {
      await runner.stop();
    }
    const rows = await deliveriesOf(c.tdb.db, cancel.id);
    expect(rows.filter((r) => r.channel === "sms")).toHaveLength(5);
    expect(rows.filter((r) => r.channel === "loudspeaker").map((r) => r.device_id)).toEqual([spk]);
    // What the hub pushes to the loudspeaker now: the stop alone (the play command expired).
    const pushed = await pushDeviceCommands(c.tdb.db, cancel.id, c.clock.now);
    expect(pushed.map((r) => r.deviceId)).toEqual([spk]);
    expect(await pushDeviceCommands(c.tdb.db, w.id, c.clock.now)).toEqual([]);
    const play = (await deliveriesOf(c.tdb.db, w.id)).filter((r) => r.channel === "loudspeaker");
    expect(play.map((r) => r.status)).toEqual(["queued"]); // left for the expiry job, never sent
  });

  it("red goes before blue", async () => {
    const c = ctx();
    const blue = await issue(c, { level: "blue", type: "gale" });
    const red = await issue(c, { level: "red" });
    const ch = new LoopbackChannel("sms");
    await dispatchOnce(loop(c, ch, { options: { ...defaultDispatchOptions, batchSize: 6 } }));
    expect(await statuses(c, red.id)).toEqual(Array(6).fill("sent"));
    // Blue's six are still waiting for their turn: no row written for them yet.
    expect(await statuses(c, blue.id)).toEqual([]);
    expect(await pendingOf(c.tdb.db, blue.id)).toBe(6);
  });
});

describe("state machine", () => {
  it("moves only forward: late and repeated reports are ignored; times are stamped", async () => {
    const c = ctx();
    const w = await issue(c);
    await drain(loop(c, new LoopbackChannel("sms")));
    const [d] = await deliveriesOf(c.tdb.db, w.id);
    const [row] = await c.tdb.db.execute<{ provider_id: string }>(
      sql`select provider_id from deliveries where id = ${d!.id}`,
    );
    const pid = row!.provider_id;
    const t = (s: number) => new Date(c.clock.now.getTime() + s * 1000);
    expect(
      (await applyProviderReports(c.tdb.db, [{ providerId: pid, status: "delivered", at: t(5) }])).changed,
    ).toEqual([d!.id]);
    expect((await applyProviderReports(c.tdb.db, [{ providerId: pid, status: "sent", at: t(6) }])).changed).toEqual([]);
    expect(
      (await applyProviderReports(c.tdb.db, [{ providerId: pid, status: "delivered", at: t(7) }])).changed,
    ).toEqual([]);
    expect(
      (await applyProviderReports(c.tdb.db, [{ providerId: pid, status: "failed", at: t(8), errorCode: "30008" }]))
        .changed,
    ).toEqual([]);
    const [after] = await c.tdb.db.execute<{ status: string; delivered_at: Date; failed_at: Date | null }>(
      sql`select status, delivered_at, failed_at from deliveries where id = ${d!.id}`,
    );
    expect(after).toMatchObject({ status: "delivered", failed_at: null });
    expect(new Date(after!.delivered_at).getTime()).toBe(t(5).getTime());
  });

  it("a report that arrives before its send is recorded waits and is applied", async () => {
    const c = ctx();
    const w = await issue(c);
    const ch = new LoopbackChannel("sms");
    // The provider's receipt for the first message arrives before dispatchOnce records the send.
    const origSend = ch.send.bind(ch);
    ch.send = async (m, t) => {
      const r = await origSend(m, t);
      await applyProviderReports(c.tdb.db, [{ providerId: r.providerId, status: "delivered", at: c.clock.now }]);
      return r;
    };
    await drain(loop(c, ch));
    expect(await statuses(c, w.id)).toEqual(Array(6).fill("delivered"));
    const [left] = await c.tdb.db.execute<{ n: number }>(sql`select count(*)::int as n from status_reports`);
    expect(left!.n).toBe(0);
  });
  it("a report parked after the sender looked for parked reports is still applied (the maintenance sweep)", async () => {
    const c = ctx();
    const w = await issue(c);
    const ch = new LoopbackChannel("sms");
    await drain(loop(c, ch));
    const rows = await c.tdb.db.execute<{ provider_id: string }>(
      sql`select provider_id from deliveries where warning_id = ${w.id}`,
    );
    // The webhook matched before the send was recorded and parked after the sender looked:
    // neither saw the other. Its own re-look covers the live case; the sweep covers any left.
    for (const r of rows) {
      await c.tdb.db.execute(sql`insert into status_reports (provider_id, status, at)
        values (${r.provider_id}, 'delivered', ${c.clock.now.toISOString()}::timestamptz)`);
    }
    const runner = new DispatchRunner({
      db: c.tdb.db,
      sql: c.tdb.sql,
      channels: [],
      renderer: plainRenderer,
      log: silentLogger,
      maintenanceMs: 50,
    });
    await runner.start();
    try {
      await vi.waitUntil(async () => (await statuses(c, w.id)).filter((s) => s === "delivered").length === 6, {
        timeout: 10_000,
      });
    } finally {
      await runner.stop();
    }
    const [left] = await c.tdb.db.execute<{ n: number }>(sql`select count(*)::int as n from status_reports`);
    expect(left!.n).toBe(0);
  });
});

describe("several dispatchers", () => {
  it("two processes' runners on one database never send a delivery twice", async () => {
    const c = ctx();
    // 300 people × sms and email = 600 deliveries
    await c.tdb.db.execute(sql`
      insert into recipients (name, phone, email, area_code, village_code, audiences, dedupe_key)
      select 'bulk' || i, '+8613900' || lpad(i::text, 5, '0'), 'bulk' || i || '@example.cn', '150403001002', '150403001002', array['public'], 'bulk:' || i
      from generate_series(1, 300) i`);
    const w = await createIssued(c, { areas: { codes: ["150403001002"] }, channels: ["sms", "email"] });
    const sms = new LoopbackChannel("sms", { ratePerSecond: Infinity, concurrency: 8 });
    const email = new LoopbackChannel("email", { ratePerSecond: Infinity, concurrency: 8 });
    sms.delayMs = 1;
    email.delayMs = 1;
    const runners = await Promise.all(
      [1, 2].map(() => startRunner(c, [sms, email], { loopsPerChannel: 2, pollMs: 20, options: { batchSize: 25 } })),
    );
    try {
      for (let i = 0; i < 200; i++) {
        const [q] = await c.tdb.db.execute<{ n: number }>(
          sql`select count(*)::int as n from deliveries where warning_id = ${w.id} and status in ('queued', 'sending')`,
        );
        if (q!.n === 0 && (await pendingOf(c.tdb.db, w.id)) === 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await Promise.all(runners.map((r) => r.stop()));
    }
    const rows = await deliveriesOf(c.tdb.db, w.id);
    expect(rows).toHaveLength(600);
    expect(rows.every((r) => r.status === "sent")).toBe(true);
    // Only this warning's rows: the runners also send what earlier tests left queued.
    const counts = rows.map((r) => (sms.sends.get(r.id) ?? 0) + (email.sends.get(r.id) ?? 0));
    expect(counts).toHaveLength(600);
    expect(counts.every((n) => n === 1)).toBe(true);
  });

  it("a NOTIFY on issue wakes an idle runner at once", async () => {
    const c = ctx();
    const ch = new LoopbackChannel("sms");
    const running = await startRunner(c, [ch], { pollMs: 60_000 });
    try {
      await new Promise((r) => setTimeout(r, 100)); // the loop found nothing and sleeps for a minute
      const before = ch.totalSends;
      const w = await issue(c);
      // The poll is a minute: only the NOTIFYs (the issue's, then its county's, planned by
      // the runner or the factory, whichever locks it first) get these sent in time.
      const sent = async () => (await statuses(c, w.id)).filter((s) => s === "sent").length;
      while ((await sent()) < 6) await new Promise((r) => setTimeout(r, 20));
      expect(await statuses(c, w.id)).toEqual(Array(6).fill("sent"));
      expect(ch.totalSends - before).toBe(6);
    } finally {
      await running.stop();
    }
  });
});
