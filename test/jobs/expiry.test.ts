// Expiry: a warning past `expires` becomes expired, its unsent deliveries expire (the
// dispatcher sends nothing more), its 叫应 chains halt, and a loudspeaker that played it
// receives `stop` from a real hub that learns of it through NOTIFY.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { useContext } from "../helpers/context.js";
import { createIssued, json } from "../helpers/factories.js";
import { addPerson, deliveriesOf } from "../helpers/people.js";
import { expiryJob } from "../../src/jobs/expiry.js";
import { escalationJob } from "../../src/jobs/escalation.js";
import { WARNING_ENDED_CHANNEL } from "../../src/hub/notify.js";
import { createDevice, startHub, TestDevice, until, type RunningHub } from "../hub/harness.js";
import { dispatch, escalationRows, minutes, runAt } from "./helpers.js";

const ctx = useContext();
let hub: RunningHub;
let device: TestDevice | undefined;

beforeAll(async () => {
  hub = await startHub(ctx());
});
afterAll(async () => {
  device?.close();
  await hub?.close();
});

describe("expiry", () => {
  it("expires the warning and its pending sends, halts its chains, and the hub tells the loudspeaker to stop", async () => {
    const c = ctx();
    const db = c.tdb.db;
    const code = (
      await db.execute<{ code: string }>(
        sql`select code from areas where kind = 'village' and code like '150421%' order by code limit 1`,
      )
    )[0]!.code;
    for (let i = 0; i < 3; i++)
      await addPerson(db, { area: code, audiences: ["info_officer"], role: i === 0 ? "primary" : "backup" });
    const ls = await createDevice(c, { kind: "loudspeaker", areaCode: code });
    device = await TestDevice.online(hub.url, ls.token);
    await until(async () => hub.hub.conns.get(ls.id)?.["ready"]);

    const t0 = c.clock.now;
    const w = await createIssued(c, {
      level: "red",
      areas: { codes: [code] },
      audiences: ["public", "info_officer"],
      channels: ["sms", "loudspeaker"],
      expires: minutes(t0, 60).toISOString(),
    });
    const play = await device.next((f) => f.type === "command" && f.action === "play");
    expect(play.warning.id).toBe(w.id);
    device.send({ type: "ack", id: play.id, state: "played", at: new Date().toISOString() });
    // Played and recorded so (the hub writes a command it sent once its answer is in)
    // before the clock moves on: the warning ends an hour later, not in the same instant.
    await until(
      async () => (await deliveriesOf(db, w.id)).find((r) => r.channel === "loudspeaker")?.status === "acknowledged",
    );
    await runAt(c, escalationJob, minutes(t0, 1));

    // Before expiry nothing happens.
    expect(await runAt(c, expiryJob, minutes(t0, 59))).toMatchObject({ expired: 0 });

    const heard: string[] = [];
    const listener = await c.tdb.sql.listen(WARNING_ENDED_CHANNEL, (id) => heard.push(id));
    try {
      expect(await runAt(c, expiryJob, minutes(t0, 60))).toMatchObject({ expired: 1, deliveriesExpired: 3 });
      await until(async () => heard.includes(w.id));
    } finally {
      await listener.unlisten();
    }
    const stop = await device.next((f) => f.type === "command" && f.action === "stop");
    expect(stop).toMatchObject({ id: -play.id, reason: "ended", warning: { id: w.id } });

    const got = await json(await c.request("GET", `/api/v1/warnings/${w.id}`));
    expect(got.status).toBe("expired");
    const rows = await deliveriesOf(db, w.id);
    expect(rows.filter((r) => r.channel === "sms").map((r) => r.status)).toEqual(["expired", "expired", "expired"]);
    expect((await dispatch(c, "sms", minutes(t0, 61))).totalSends).toBe(0);
    // No 叫应 step for a warning no longer in force.
    expect(await runAt(c, escalationJob, minutes(t0, 61))).toMatchObject({ advanced: 0 });
    expect(await escalationRows(c, w.id)).toEqual([]);
    // Once only.
    expect(await runAt(c, expiryJob, minutes(t0, 61))).toMatchObject({ expired: 0 });
    const audits = await db.execute<{ action: string }>(
      sql`select action from audit_log where subject_id = ${w.id} and action = 'warning.expired'`,
    );
    expect(audits).toHaveLength(1);
  });
});
