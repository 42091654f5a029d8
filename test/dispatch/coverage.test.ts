// Coverage on a fixture small enough to check by hand (DESIGN §7):
//   VA pop 10: p1 sms+email delivered (one person), p2 sms delivered, p3 sms failed  → 2
//   VB pop 100: q1 sms delivered, q2 sms only sent, loudspeaker (reach = village) played,
//               display (reach 30) received but never shown                      → min(100, 1+100) = 100
//   VC pop 40: nobody registered                                                  → 0
//   coverage = (2 + 100 + 0) / 150 = 0.68; 50% (75 people) crossed when the loudspeaker played.
import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { useContext } from "../helpers/context.js";
import { createIssued, json } from "../helpers/factories.js";
import { addDevice, addPerson, setPopulation } from "../helpers/people.js";
import { LoopbackChannel, plainRenderer } from "../helpers/loopback-channel.js";
import { defaultDispatchOptions, dispatchOnce } from "../../src/dispatch/dispatcher.js";
import { unpaced } from "../../src/dispatch/pacer.js";
import { applyDeliveryReports, applyProviderReports } from "../../src/deliveries/reports.js";
import { silentLogger } from "../../src/lib/log.js";
import { pushDeviceCommands } from "../helpers/dispatch.js";

const ctx = useContext();
const VA = "150402002001",
  VB = "150402002002",
  VC = "150402002003";
let report: Record<string, any>;
let warningId = "";
let issuedAt = 0;

beforeAll(async () => {
  const c = ctx();
  const db = c.tdb.db;
  await setPopulation(db, VA, 10);
  await setPopulation(db, VB, 100);
  await setPopulation(db, VC, 40);
  const p = {
    p1: await addPerson(db, { area: VA, phone: "+8613100000001", email: "p1@example.cn" }),
    p2: await addPerson(db, { area: VA, phone: "+8613100000002" }),
    p3: await addPerson(db, { area: VA, phone: "+8613100000003" }),
    q1: await addPerson(db, { area: VB, phone: "+8613100000004" }),
    q2: await addPerson(db, { area: VB, phone: "+8613100000005" }),
  };
  const speaker = await addDevice(db, { area: VB, kind: "loudspeaker" });
  const display = await addDevice(db, { area: VB, kind: "display", reach: 30 });
  const w = await createIssued(c, {
    areas: { codes: [VA, VB, VC] },
    channels: ["sms", "email", "loudspeaker", "display"],
    level: "orange",
  });
  warningId = w.id;
  issuedAt = new Date(w.issuedAt).getTime();

  const send = async (ch: LoopbackChannel) =>
    dispatchOnce({
      db,
      channel: ch,
      bucket: unpaced,
      renderer: plainRenderer,
      owner: "cov",
      now: () => c.clock.now,
      log: silentLogger,
      options: defaultDispatchOptions,
    });
  const sms = new LoopbackChannel("sms");
  sms.behaviourFor.set("+8613100000003", "permanent");
  await send(sms);
  await send(new LoopbackChannel("email"));
  expect((await pushDeviceCommands(db, w.id, c.clock.now)).map((r) => r.channel).sort()).toEqual([
    "display",
    "loudspeaker",
  ]);

  const pid = async (recipient: number | string, channel: string) => {
    const [r] = await db.execute<{ id: string; provider_id: string }>(
      sql`select id, provider_id from deliveries where warning_id = ${w.id} and channel = ${channel} and (recipient_id::text = ${String(recipient)} or device_id::text = ${String(recipient)})`,
    );
    return r!;
  };
  const at = (s: number) => new Date(issuedAt + s * 1000);
  await applyProviderReports(db, [
    { providerId: (await pid(p.p1, "sms")).provider_id, status: "delivered", at: at(10) },
    { providerId: (await pid(p.p1, "email")).provider_id, status: "delivered", at: at(10) },
    { providerId: (await pid(p.p2, "sms")).provider_id, status: "delivered", at: at(10) },
    { providerId: (await pid(p.q1, "sms")).provider_id, status: "delivered", at: at(10) },
  ]);
  const spk = Number((await pid(speaker, "loudspeaker")).id);
  const dsp = Number((await pid(display, "display")).id);
  await applyDeliveryReports(db, [
    { deliveryId: spk, status: "delivered", at: at(12) },
    { deliveryId: dsp, status: "delivered", at: at(12) },
  ]);
  await applyDeliveryReports(db, [{ deliveryId: spk, status: "acknowledged", at: at(20) }]);
  // Repeats change nothing.
  await applyDeliveryReports(db, [{ deliveryId: spk, status: "acknowledged", at: at(30) }]);
  await applyProviderReports(db, [
    { providerId: (await pid(p.p1, "sms")).provider_id, status: "delivered", at: at(40) },
  ]);

  const res = await c.request("GET", `/api/v1/warnings/${w.id}/coverage?by=village`, { key: c.users.viewer.key });
  expect(res.status).toBe(200);
  report = await json(res);
});

describe("coverage report", () => {
  it("applies the published formula", () => {
    expect(report).toMatchObject({ population: 150, reached: 102, secondsTo50: 20, secondsTo90: null });
    expect(report.rate).toBeCloseTo(0.68, 10);
    expect(report.notReached).toEqual([VC]);
    expect(report.targets).toEqual({ target: 0.93, major: true, met: false });
  });

  it("counts every stage per channel, honestly", () => {
    expect(report.channels.sms).toEqual({
      targeted: 5,
      pending: 0,
      sent: 4,
      delivered: 3,
      acknowledged: 0,
      failed: 1,
      expired: 0,
      reached: 3,
    });
    expect(report.channels.email).toEqual({
      targeted: 5,
      pending: 0,
      sent: 1,
      delivered: 1,
      acknowledged: 0,
      failed: 4,
      expired: 0,
      reached: 1,
    });
    expect(report.channels.loudspeaker).toEqual({
      targeted: 1,
      pending: 0,
      sent: 1,
      delivered: 1,
      acknowledged: 1,
      failed: 0,
      expired: 0,
      reached: 100,
      played: 1,
    });
    expect(report.channels.display).toEqual({
      targeted: 1,
      pending: 0,
      sent: 1,
      delivered: 1,
      acknowledged: 0,
      failed: 0,
      expired: 0,
      reached: 0,
      shown: 0,
    });
  });

  it("reports per village, and rolls up per township and county", async () => {
    const byCode = Object.fromEntries(report.areas.map((a: { code: string }) => [a.code, a]));
    expect(byCode[VA]).toMatchObject({ population: 10, reached: 2, villagesNotReached: 0 });
    expect(byCode[VB]).toMatchObject({ population: 100, reached: 100, rate: 1 });
    expect(byCode[VC]).toMatchObject({ population: 40, reached: 0, rate: 0, villagesNotReached: 1 });
    const c = ctx();
    const county = await json(await c.request("GET", `/api/v1/warnings/${warningId}/coverage?by=county`));
    expect(county.areas).toEqual([
      expect.objectContaining({
        code: "150402000000",
        name: "红山区",
        population: 150,
        reached: 102,
        villages: 3,
        villagesNotReached: 1,
      }),
    ]);
    const township = await json(await c.request("GET", `/api/v1/warnings/${warningId}/coverage?by=township`));
    expect(township.areas).toEqual([
      expect.objectContaining({ code: "150402002000", name: "三中街街道", reached: 102 }),
    ]);
  });

  it("agrees with a direct computation over the deliveries", async () => {
    const [naive] = await ctx().tdb.db.execute<{ reached: number }>(sql`
      with v as (
        select cv.village_code, cv.population,
          (select count(distinct d.recipient_id) from deliveries d where d.warning_id = cv.warning_id and d.village_code = cv.village_code
             and d.channel in ('sms', 'email') and d.delivered_at is not null)
          + (select coalesce(sum(coalesce(dv.reach, cv.population)), 0) from deliveries d join devices dv on dv.id = d.device_id
             where d.warning_id = cv.warning_id and d.village_code = cv.village_code and d.acknowledged_at is not null) as raw
        from coverage_villages cv where cv.warning_id = ${warningId})
      select sum(least(population, raw))::int as reached from v`);
    expect(naive!.reached).toBe(report.reached);
  });

  it("exports CSV", async () => {
    const c = ctx();
    const res = await c.request("GET", `/api/v1/warnings/${warningId}/coverage.csv?by=county`);
    expect(res.headers.get("content-type")).toContain("text/csv");
    const [header, row] = (await res.text()).trim().split("\n");
    expect(header!.split(",").slice(0, 7)).toEqual([
      "code",
      "name",
      "population",
      "reached",
      "rate",
      "villages",
      "villages_not_reached",
    ]);
    expect(row!.startsWith("150402000000,红山区,150,102,0.6800,3,1,5,4,3,0,1,0,3")).toBe(true); // then sms stages
  });

  it("summarises major and all warnings against their targets", async () => {
    const c = ctx();
    const s = await json(await c.request("GET", "/api/v1/coverage/summary", { key: c.users.viewer.key }));
    expect(s.major).toMatchObject({
      warnings: 1,
      population: 150,
      reached: 102,
      target: 0.93,
      met: false,
      warningsMeetingTarget: 0,
    });
    expect(s.all).toMatchObject({ warnings: 1, population: 150, reached: 102, target: 0.9 });
    const scoped = await json(await c.request("GET", "/api/v1/coverage/summary", { key: c.users.songshanIssuer.key }));
    expect(scoped.all.warnings).toBe(0);
  });

  it("lists deliveries with filters; security on coverage and deliveries", async () => {
    const c = ctx();
    const failed = await json(
      await c.request("GET", `/api/v1/warnings/${warningId}/deliveries?channel=email&status=failed`),
    );
    expect(failed.items).toHaveLength(4);
    expect(failed.items.every((d: { errorCode: string }) => d.errorCode === "no_address")).toBe(true);
    const vb = await json(await c.request("GET", `/api/v1/warnings/${warningId}/deliveries?area=${VB}`));
    expect(vb.items.every((d: { villageCode: string }) => d.villageCode === VB)).toBe(true);
    expect((await c.request("GET", `/api/v1/warnings/${warningId}/coverage`, { key: null })).status).toBe(401);
    expect(
      (await c.request("GET", `/api/v1/warnings/${warningId}/coverage`, { key: c.users.songshanIssuer.key })).status,
    ).toBe(403);
    expect(
      (await c.request("GET", `/api/v1/warnings/${warningId}/deliveries`, { key: c.users.songshanIssuer.key })).status,
    ).toBe(403);
    expect((await c.request("GET", `/api/v1/warnings/${warningId}/coverage?by=province`)).status).toBe(422);
  });

  it("a staff acknowledgement moves a delivery forward once and is audited", async () => {
    const c = ctx();
    const list = await json(await c.request("GET", `/api/v1/warnings/${warningId}/deliveries?channel=sms&status=sent`));
    const id = list.items[0].id;
    const r = await c.request("POST", `/api/v1/deliveries/${id}/ack`, {
      key: c.users.issuer.key,
      json: { note: "电话确认" },
    });
    expect(r.status).toBe(200);
    expect((await json(r)).status).toBe("acknowledged");
    expect((await c.request("POST", `/api/v1/deliveries/${id}/ack`, { key: c.users.issuer.key })).status).toBe(200);
    const [n] = await c.tdb.db.execute<{ n: number }>(
      sql`select count(*)::int as n from audit_log where action = 'delivery.acknowledge' and subject_id = ${String(id)}`,
    );
    expect(n!.n).toBe(1);
    expect((await c.request("POST", `/api/v1/deliveries/${id}/ack`, { key: c.users.viewer.key })).status).toBe(403);
    expect((await c.request("POST", `/api/v1/deliveries/${id}/ack`, { key: c.users.songshanIssuer.key })).status).toBe(
      403,
    );
    expect((await c.request("POST", `/api/v1/deliveries/999999999/ack`, { key: c.users.issuer.key })).status).toBe(404);
  });
});
