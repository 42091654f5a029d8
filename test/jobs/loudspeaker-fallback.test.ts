// Dead-loudspeaker fallback (DESIGN §8): during a warning, a targeted village whose
// loudspeakers cannot play it starts its 叫应 chain at once (primaries asked to broadcast
// by hand) and its loudspeaker shows as failed in the coverage report.
import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { useContext } from "../helpers/context.js";
import { createIssued, json } from "../helpers/factories.js";
import { addDevice, addPerson } from "../helpers/people.js";
import { applyDeliveryReports } from "../../src/deliveries/reports.js";
import { loudspeakerFallbackJob } from "../../src/jobs/loudspeaker-fallback.js";
import { escalationJob } from "../../src/jobs/escalation.js";
import { chainOf, escalationRows, minutes, runAt } from "./helpers.js";

const ctx = useContext();
const UP = "150403001001",
  DOWN = "150403001002",
  NONE = "150403001003",
  BROKEN = "150403001004",
  PLAYED = "150403001005";
const people: Record<string, { primary: number; backup: number }> = {};
const speakers: Record<string, string> = {};
let w = { id: "", t0: new Date() };

const setDevice = (id: string, online: boolean, lastSeen: Date | null) =>
  ctx().tdb.db.execute(
    sql`update devices set online = ${online}, last_seen = ${lastSeen?.toISOString() ?? null}::timestamptz where id = ${id}`,
  );
const speakerDelivery = async (village: string) => {
  const [r] = await ctx().tdb.db.execute<{ id: string; status: string; error_code: string | null }>(sql`
    select id, status, error_code from deliveries where warning_id = ${w.id} and village_code = ${village} and channel = 'loudspeaker'`);
  return { ...r!, id: Number(r!.id) };
};

beforeAll(async () => {
  const c = ctx();
  const db = c.tdb.db;
  for (const v of [UP, DOWN, NONE, BROKEN, PLAYED]) {
    people[v] = {
      primary: await addPerson(db, { area: v, audiences: ["info_officer", "public"], role: "primary" }),
      backup: await addPerson(db, { area: v, audiences: ["village_cadre"], role: "backup" }),
    };
    if (v !== NONE) speakers[v] = await addDevice(db, { area: v, kind: "loudspeaker" });
  }
  const now = c.clock.now;
  await setDevice(speakers[UP]!, true, now);
  await setDevice(speakers[BROKEN]!, true, now);
  await setDevice(speakers[PLAYED]!, true, now);
  // Offline for ten minutes: past the reconnect grace.
  await setDevice(speakers[DOWN]!, false, minutes(now, -10));
  const issued = await createIssued(c, {
    level: "red",
    areas: { codes: [UP, DOWN, NONE, BROKEN, PLAYED] },
    audiences: ["public"],
    channels: ["sms", "loudspeaker"],
  });
  w = { id: issued.id, t0: new Date(issued.issuedAt) };
  // BROKEN's controller reports the command failed; PLAYED's played it and then went offline.
  await applyDeliveryReports(db, [
    {
      deliveryId: (await speakerDelivery(BROKEN)).id,
      status: "failed",
      at: minutes(w.t0, 0.2),
      errorCode: "device_failed",
    },
  ]);
  await applyDeliveryReports(db, [
    { deliveryId: (await speakerDelivery(PLAYED)).id, status: "acknowledged", at: minutes(w.t0, 0.2) },
  ]);
  await setDevice(speakers[PLAYED]!, false, minutes(w.t0, -10));
});

describe("dead-loudspeaker fallback", () => {
  it("starts the chain at once for villages with no loudspeaker up (offline, none, failed), asking every primary post", async () => {
    const c = ctx();
    const r = await runAt(c, loudspeakerFallbackJob, minutes(w.t0, 1));
    expect(r).toMatchObject({ villages: 3, devicesFailed: 1 });
    for (const v of [DOWN, NONE, BROKEN]) {
      expect(await chainOf(c, w.id, v)).toMatchObject({ reason: "device_offline", step: 1 });
    }
    for (const v of [UP, PLAYED]) expect(await chainOf(c, w.id, v)).toBeUndefined();
    // Primaries got the warning already; they are asked again, to broadcast by hand.
    const rows = await escalationRows(c, w.id);
    expect(rows.map((x) => `${x.village_code}:${x.recipient_id}:${x.escalation_step}`).sort()).toEqual(
      [DOWN, NONE, BROKEN].map((v) => `${v}:${people[v]!.primary}:1`).sort(),
    );
  });

  it("marks the offline village's loudspeaker delivery failed (device_offline), which the coverage report shows", async () => {
    const c = ctx();
    expect(await speakerDelivery(DOWN)).toMatchObject({ status: "failed", error_code: "device_offline" });
    expect(await speakerDelivery(BROKEN)).toMatchObject({ status: "failed", error_code: "device_failed" });
    expect(await speakerDelivery(UP)).toMatchObject({ status: "queued" });
    const report = await json(
      await c.request("GET", `/api/v1/warnings/${w.id}/coverage?by=village`, { key: c.users.viewer.key }),
    );
    const byCode = Object.fromEntries(report.areas.map((a: any) => [a.code, a]));
    expect(byCode[DOWN].channels.loudspeaker).toMatchObject({ targeted: 1, failed: 1 });
    expect(byCode[UP].channels.loudspeaker).toMatchObject({ targeted: 1, failed: 0 });
    expect(report.channels.loudspeaker.failed).toBe(2);
  });

  it("runs once per village: the same or a later instant adds nothing", async () => {
    const c = ctx();
    const before = (await escalationRows(c, w.id)).length;
    expect(await runAt(c, loudspeakerFallbackJob, minutes(w.t0, 1))).toMatchObject({
      villages: 0,
      devicesFailed: 0,
      messages: 0,
    });
    expect(await runAt(c, loudspeakerFallbackJob, minutes(w.t0, 2))).toMatchObject({ villages: 0 });
    expect((await escalationRows(c, w.id)).length).toBe(before);
  });

  it("a loudspeaker going down later, after the chain started, turns it into a by-hand chain; the chain then escalates as usual", async () => {
    const c = ctx();
    expect(await runAt(c, escalationJob, minutes(w.t0, 2))).toMatchObject({ started: 2 }); // UP and PLAYED: ordinary chains
    await setDevice(speakers[UP]!, false, minutes(w.t0, 2));
    // Within the grace period the loudspeaker still counts as up (a reconnect blip).
    expect(await runAt(c, loudspeakerFallbackJob, minutes(w.t0, 3))).toMatchObject({ villages: 0 });
    expect(await runAt(c, loudspeakerFallbackJob, minutes(w.t0, 5))).toMatchObject({ villages: 1, devicesFailed: 1 });
    expect(await chainOf(c, w.id, UP)).toMatchObject({ reason: "device_offline", step: 1 });
    // The by-hand chains started at +1 min reach the backups at +6; UP's kept its clock (+0).
    const r = await runAt(c, escalationJob, minutes(w.t0, 6));
    expect(r).toMatchObject({ advanced: 5 });
    const backups = (await escalationRows(c, w.id))
      .filter((x) => x.escalation_step === 2)
      .map((x) => x.recipient_id)
      .sort();
    expect(backups).toEqual([UP, DOWN, NONE, BROKEN, PLAYED].map((v) => people[v]!.backup).sort());
  });
});
