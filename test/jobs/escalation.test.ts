// 叫应 (DESIGN §8): primary → backup → township → county, one deadline apart (red 5 min,
// orange 10), stopped by a confirmation at each step. Real Postgres, the real ack route,
// the ordinary dispatcher over a loopback SMS channel, the job run for given instants.
import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import twilio from "twilio";
import { useContext, type TestContext } from "../helpers/context.js";
import { createIssued, json } from "../helpers/factories.js";
import { addDevice, addPerson } from "../helpers/people.js";
import { applyDeliveryReports } from "../../src/deliveries/reports.js";
import { escalationJob } from "../../src/jobs/escalation.js";
import { chainOf, deliveryId, dispatch, escalationRows, minutes, runAt } from "./helpers.js";

const ctx = useContext();
const RESPONSIBLE = ["public", "info_officer", "grid_worker", "village_cadre"];
let countyOfficial = 0;
let otherCountyOfficial = 0;
let otherTownshipOfficial = 0;

beforeAll(async () => {
  const db = ctx().tdb.db;
  countyOfficial = await addPerson(db, { area: "150402001001", audiences: ["county_official"] }); // 红山区
  otherCountyOfficial = await addPerson(db, { area: "150404001001", audiences: ["county_official"] }); // 松山区
  otherTownshipOfficial = await addPerson(db, { area: "150402001002", audiences: ["township_official"] }); // 西屯街道
});

/** A village with two primary posts, two backups (one without a phone), a member of the
 * public, and a township official living in a sibling village of the same township. */
async function village(c: TestContext, code: string) {
  const db = c.tdb.db;
  const sibling = code.slice(0, 9) + "002";
  return {
    code,
    primary1: await addPerson(db, { area: code, audiences: ["info_officer"], role: "primary" }),
    primary2: await addPerson(db, {
      area: code,
      audiences: ["grid_worker", "public"],
      role: "primary",
      email: `p2-${code}@example.cn`,
    }),
    backup1: await addPerson(db, {
      area: code,
      audiences: ["info_officer"],
      role: "backup",
      email: `b1-${code}@example.cn`,
    }),
    backup2: await addPerson(db, { area: code, audiences: ["village_cadre"], role: "backup", phone: null }),
    pub: await addPerson(db, { area: code, audiences: ["public"] }),
    township: await addPerson(db, { area: sibling, audiences: ["township_official"] }),
  };
}

async function issue(c: TestContext, code: string, over: Record<string, unknown> = {}) {
  const w = await createIssued(c, {
    level: "red",
    areas: { codes: [code] },
    audiences: RESPONSIBLE,
    channels: ["sms", "email"],
    ...over,
  });
  return { id: w.id as string, t0: new Date(w.issuedAt) };
}

async function ack(c: TestContext, id: number, at: Date) {
  c.clock.set(at);
  const r = await c.request("POST", `/api/v1/deliveries/${id}/ack`, { key: c.users.issuer.key });
  expect(r.status).toBe(200);
}

const who = (rows: { recipient_id: number; channel: string; escalation_step: number }[]) =>
  rows.map((r) => `${r.escalation_step}:${r.recipient_id}:${r.channel}`).sort();

describe("叫应 chain", () => {
  it("a primary post's confirmation stops the chain at step 1: nobody else is asked", async () => {
    const c = ctx();
    const v = await village(c, "150402003001");
    const w = await issue(c, v.code);
    expect(await runAt(c, escalationJob, minutes(w.t0, 1))).toMatchObject({ started: 1, messages: 0 });
    // The primary posts got the warning itself: step 1 needs no extra message.
    expect(await escalationRows(c, w.id)).toEqual([]);
    await ack(c, await deliveryId(c, w.id, v.primary1), minutes(w.t0, 2));
    expect(await runAt(c, escalationJob, minutes(w.t0, 5))).toMatchObject({ stopped: 1, advanced: 0 });
    for (const m of [10, 15, 20, 30])
      expect(await runAt(c, escalationJob, minutes(w.t0, m))).toMatchObject({ advanced: 0, messages: 0 });
    expect(await escalationRows(c, w.id)).toEqual([]);
    expect(await chainOf(c, w.id, v.code)).toMatchObject({ step: 1, reason: "no_ack" });
    expect((await chainOf(c, w.id, v.code))!.acknowledged_at).not.toBeNull();
  });

  it("missed deadline → backups (SMS, email when they have one, a failed row when no phone); a backup's confirmation stops it", async () => {
    const c = ctx();
    const v = await village(c, "150402004001");
    const w = await issue(c, v.code);
    await runAt(c, escalationJob, minutes(w.t0, 1));
    expect(await runAt(c, escalationJob, minutes(w.t0, 4.9))).toMatchObject({ advanced: 0 });
    expect(await runAt(c, escalationJob, minutes(w.t0, 5))).toMatchObject({ advanced: 1, messages: 3 });
    // The same instant again creates nothing (two instances, or a retried run).
    expect(await runAt(c, escalationJob, minutes(w.t0, 5))).toMatchObject({ started: 0, advanced: 0, messages: 0 });
    const rows = await escalationRows(c, w.id);
    expect(who(rows)).toEqual([`2:${v.backup1}:email`, `2:${v.backup1}:sms`, `2:${v.backup2}:sms`].sort());
    expect(rows.find((r) => r.recipient_id === v.backup2)).toMatchObject({
      status: "failed",
      error_code: "no_address",
      village_code: v.code,
    });

    // The ordinary dispatcher sends them.
    const sms = await dispatch(c, "sms", minutes(w.t0, 5.5));
    const sent = sms.messages.filter(
      (m) => m.message.deliveryId === rows.find((r) => r.recipient_id === v.backup1 && r.channel === "sms")!.id,
    );
    expect(sent).toHaveLength(1);

    // A member of the public confirming is not 叫应.
    await ack(c, await deliveryId(c, w.id, v.pub), minutes(w.t0, 6));
    expect(await runAt(c, escalationJob, minutes(w.t0, 7))).toMatchObject({ stopped: 0 });

    await ack(c, rows.find((r) => r.recipient_id === v.backup1 && r.channel === "sms")!.id, minutes(w.t0, 8));
    expect(await runAt(c, escalationJob, minutes(w.t0, 10))).toMatchObject({ stopped: 1, advanced: 0, messages: 0 });
    expect(await runAt(c, escalationJob, minutes(w.t0, 20))).toMatchObject({ advanced: 0 });
    expect((await escalationRows(c, w.id)).every((r) => r.escalation_step === 2)).toBe(true);
    expect(await chainOf(c, w.id, v.code)).toMatchObject({ step: 2 });
  });

  it("missed twice → the township's official (not another township's); their confirmation stops it", async () => {
    const c = ctx();
    const v = await village(c, "150402005001");
    const w = await issue(c, v.code);
    for (const m of [1, 5]) await runAt(c, escalationJob, minutes(w.t0, m));
    expect(await runAt(c, escalationJob, minutes(w.t0, 10))).toMatchObject({ advanced: 1, messages: 1 });
    const step3 = (await escalationRows(c, w.id)).filter((r) => r.escalation_step === 3);
    expect(who(step3)).toEqual([`3:${v.township}:sms`]);
    // The message is about the escalated village, not where the official lives.
    expect(step3[0]!.village_code).toBe(v.code);
    expect(step3.some((r) => r.recipient_id === otherTownshipOfficial)).toBe(false);

    await ack(c, step3[0]!.id, minutes(w.t0, 12));
    expect(await runAt(c, escalationJob, minutes(w.t0, 15))).toMatchObject({ stopped: 1, advanced: 0 });
    expect((await escalationRows(c, w.id)).some((r) => r.escalation_step === 4)).toBe(false);
  });

  it("missed three times → the county's officials; the chain ends there, and their confirmation is recorded", async () => {
    const c = ctx();
    const v = await village(c, "150402006001");
    const w = await issue(c, v.code);
    for (const m of [1, 5, 10]) await runAt(c, escalationJob, minutes(w.t0, m));
    expect(await runAt(c, escalationJob, minutes(w.t0, 15))).toMatchObject({ advanced: 1, messages: 1 });
    const step4 = (await escalationRows(c, w.id)).filter((r) => r.escalation_step === 4);
    expect(who(step4)).toEqual([`4:${countyOfficial}:sms`]);
    expect(step4.some((r) => r.recipient_id === otherCountyOfficial)).toBe(false);
    // Nothing after the county.
    expect(await runAt(c, escalationJob, minutes(w.t0, 25))).toMatchObject({ advanced: 0, messages: 0 });
    await ack(c, step4[0]!.id, minutes(w.t0, 26));
    expect(await runAt(c, escalationJob, minutes(w.t0, 27))).toMatchObject({ stopped: 1 });

    const res = await c.request("GET", `/api/v1/warnings/${w.id}/escalations`, { key: c.users.viewer.key });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.deadlineMinutes).toBe(5);
    expect(body.items).toHaveLength(1);
    const item = body.items[0];
    expect(item).toMatchObject({
      villageCode: v.code,
      reason: "no_ack",
      step: 4,
      stepName: "county",
      nextStepDueAt: null,
    });
    expect(item.acknowledgedAt).toBe(minutes(w.t0, 26).toISOString());
    const steps = item.messages.map((m: any) => `${m.stepName}:${m.purpose}:${m.recipientId}:${m.channel}:${m.status}`);
    expect(steps).toEqual(
      expect.arrayContaining([
        `primary:warning:${v.primary1}:sms:queued`,
        `backup:escalation:${v.backup2}:sms:failed`,
        `township:escalation:${v.township}:sms:queued`,
        `county:escalation:${countyOfficial}:sms:acknowledged`,
      ]),
    );
    // The 叫应 rows are the warning's deliveries too.
    const listed = await json(
      await c.request("GET", `/api/v1/warnings/${w.id}/deliveries?purpose=escalation`, { key: c.users.viewer.key }),
    );
    expect(listed.items.map((d: any) => d.escalationStep).sort()).toEqual([2, 2, 2, 3, 4]);
  });

  it("primary posts the warning did not address get step 1 as a 叫应 message; orange waits 10 minutes", async () => {
    const c = ctx();
    const v = await village(c, "150402007001");
    const w = await issue(c, v.code, { level: "orange", audiences: ["public"] });
    expect(await runAt(c, escalationJob, minutes(w.t0, 1))).toMatchObject({ started: 1, messages: 1 });
    // primary2 is also public, so the warning reached them; primary1 is asked by SMS.
    expect(who(await escalationRows(c, w.id))).toEqual([`1:${v.primary1}:sms`]);
    // Sent at the warning's level (orange = 2), in the responsible lane ahead of the public of every level.
    expect((await escalationRows(c, w.id)).map((r) => [r.level_rank, r.priority])).toEqual([[2, 0]]);
    expect(await runAt(c, escalationJob, minutes(w.t0, 9))).toMatchObject({ advanced: 0 });
    expect(await runAt(c, escalationJob, minutes(w.t0, 10))).toMatchObject({ advanced: 1 });
    // A confirmation of the 叫应 message stops it like any other.
    await ack(c, (await escalationRows(c, w.id)).find((r) => r.escalation_step === 1)!.id, minutes(w.t0, 11));
    expect(await runAt(c, escalationJob, minutes(w.t0, 12))).toMatchObject({ stopped: 1 });
  });

  it("blue warnings are not escalated; Cancel messages have no chain", async () => {
    const c = ctx();
    const v = await village(c, "150402008001");
    const w = await issue(c, v.code, { level: "blue", channels: ["email"] });
    expect(await runAt(c, escalationJob, minutes(w.t0, 1))).toMatchObject({ started: 0 });
    expect(await chainOf(c, w.id, v.code)).toBeUndefined();
    const red = await issue(c, v.code);
    c.clock.set(minutes(red.t0, 0.5));
    const cancel = await json(
      await c.request("POST", `/api/v1/warnings/${red.id}/cancel`, {
        key: c.users.issuer.key,
        json: { reason: "险情解除" },
      }),
    );
    expect(await runAt(c, escalationJob, minutes(red.t0, 1))).toMatchObject({ started: 0 });
    expect(await chainOf(c, cancel.id, v.code)).toBeUndefined();
  });
});

describe("what counts as a confirmation", () => {
  it("a backup's SMS reply 收到 (signed Twilio webhook) stops the chain; a loudspeaker's `played` does not", async () => {
    const c = ctx();
    const TOKEN = "escalation_test_token_0123456789";
    c.services.config = { ...c.services.config, publicUrl: "https://warncast.example.gov.cn", twilioAuthToken: TOKEN };
    const v = await village(c, "150402011001");
    const speaker = await addDevice(c.tdb.db, { area: v.code });
    const w = await issue(c, v.code, { channels: ["sms", "email", "loudspeaker"] });
    const [ls] = await c.tdb.db.execute<{ id: string }>(
      sql`select id from deliveries where warning_id = ${w.id} and device_id = ${speaker}`,
    );
    await applyDeliveryReports(c.tdb.db, [
      { deliveryId: Number(ls!.id), status: "acknowledged", at: minutes(w.t0, 0.5) },
    ]);
    for (const m of [1, 5]) await runAt(c, escalationJob, minutes(w.t0, m));
    expect(await chainOf(c, w.id, v.code)).toMatchObject({ step: 2, acknowledged_at: null });

    await dispatch(c, "sms", minutes(w.t0, 5.5));
    c.clock.set(minutes(w.t0, 6));
    const [b] = await c.tdb.db.execute<{ phone: string }>(sql`select phone from recipients where id = ${v.backup1}`);
    const params = { MessageSid: "SMreply1", From: b!.phone, To: "+15005550006", Body: "收到", AccountSid: "AC1" };
    const url = "https://warncast.example.gov.cn/webhooks/twilio/inbound";
    const res = await c.app.request("/webhooks/twilio/inbound", {
      method: "POST",
      body: new URLSearchParams(params).toString(),
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-twilio-signature": twilio.getExpectedTwilioSignature(TOKEN, url, params),
      },
    });
    expect(res.status).toBe(200);
    expect(await runAt(c, escalationJob, minutes(w.t0, 10))).toMatchObject({ stopped: 1, advanced: 0 });
    expect(await chainOf(c, w.id, v.code)).toMatchObject({ step: 2 });
  });
});

describe("GET /api/v1/warnings/{id}/escalations", () => {
  it("is scoped like the warning, 404 for unknown ids, and listed in /openapi.json", async () => {
    const c = ctx();
    const w = await issue(c, "150402009001");
    expect((await c.request("GET", `/api/v1/warnings/${w.id}/escalations`, { key: null })).status).toBe(401);
    expect(
      (await c.request("GET", `/api/v1/warnings/${w.id}/escalations`, { key: c.users.songshanIssuer.key })).status,
    ).toBe(403);
    expect(
      (await c.request("GET", `/api/v1/warnings/${w.id}/escalations`, { key: c.users.hongshanIssuer.key })).status,
    ).toBe(200);
    expect((await c.request("GET", `/api/v1/warnings/00000000-0000-4000-8000-000000000000/escalations`)).status).toBe(
      404,
    );
    const bad = await c.request("GET", `/api/v1/warnings/${w.id}/escalations?limit=0`);
    expect(bad.status).toBe(422);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");
    const spec = await json(await c.request("GET", "/openapi.json"));
    expect(Object.keys(spec.paths)).toContain("/api/v1/warnings/{id}/escalations");
  });

  it("audits every step", async () => {
    const c = ctx();
    const w = await issue(c, "150402010001");
    for (const m of [1, 5]) await runAt(c, escalationJob, minutes(w.t0, m));
    const rows = await c.tdb.db.execute<{ action: string }>(
      sql`select action from audit_log where subject_id = ${w.id} and action like 'escalation.%' order by id`,
    );
    expect(rows.map((r) => r.action)).toEqual(["escalation.start", "escalation.step"]);
  });
});
