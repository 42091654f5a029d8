import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { useContext, type TestContext } from "../helpers/context.js";
import { createIssued, finishPlans, json } from "../helpers/factories.js";
import postgres from "postgres";
import { createDevice, echoRenderer, startHub, TestDevice, until, type RunningHub } from "./harness.js";
import { DeviceReports } from "../../src/hub/reports.js";
import { expireEnded } from "../../src/deliveries/claims.js";
import { writeOverdueDeviceSends } from "../../src/deliveries/device-sends.js";
import { runOutHold } from "../helpers/device-sends.js";
import { silentLogger } from "../../src/lib/log.js";

const ctx = useContext();
let hub: RunningHub;
let villages: string[] = [];
const clients: TestDevice[] = [];
const online = async (token: string) => {
  const d = await TestDevice.online(hub.url, token);
  clients.push(d);
  return d;
};

beforeAll(async () => {
  const c = ctx();
  hub = await startHub(c);
  const rows = await c.tdb.db.execute<{ code: string }>(
    sql`select code from areas where kind = 'village' and code like '150422%' order by code limit 12`,
  );
  villages = rows.map((r) => r.code);
});
afterAll(async () => {
  for (const d of clients) d.close();
  await hub?.close();
});

const issue = (c: TestContext, village: string, over: Record<string, unknown> = {}) =>
  createIssued(c, { areas: { codes: [village] }, channels: ["loudspeaker", "display"], level: "red", ...over });
const deliveryOf = async (c: TestContext, id: number) =>
  (
    await c.tdb.db.execute<{
      status: string;
      provider_id: string | null;
      error_code: string | null;
      error: string | null;
      language: string;
      rendered_language: string | null;
    }>(sql`select status, provider_id, error_code, error, language, rendered_language from deliveries where id = ${id}`)
  )[0]!;

describe("authentication", () => {
  it.each([
    ["no token", null],
    ["a wrong token", "wcd_not-a-real-token"],
  ])("refuses %s with HTTP 401 on the upgrade", async (_name, token) => {
    await expect(TestDevice.connect(hub.url, token)).rejects.toThrow("HTTP 401");
  });

  it("accepts a valid token by header or ?token=; revoking closes the live socket with 4003 and the token then gets 401", async () => {
    const c = ctx();
    const d = await createDevice(c, { kind: "loudspeaker", areaCode: villages[0]! });
    const q = await TestDevice.connect(hub.url, d.token, "query");
    expect((await q.next((f) => f.type === "welcome")).deviceId).toBe(d.id);
    q.close();
    const live = await online(d.token);
    await until(async () => hub.hub.conns.get(d.id)?.["ready"]);
    const r = await c.request("POST", `/api/v1/devices/${d.id}/revoke`, { key: c.users.issuer.key });
    expect(r.status).toBe(200);
    expect(await json(r)).toMatchObject({ id: d.id, revoked: true, online: false });
    expect(await live.waitClosed()).toEqual({ code: 4003, reason: "device revoked" });
    await expect(TestDevice.connect(hub.url, d.token)).rejects.toThrow("HTTP 401");
    const audit = await c.tdb.db.execute<{ action: string; actor: string }>(
      sql`select action, actor from audit_log where subject_id = ${d.id} and action = 'device.revoke'`,
    );
    expect(audit).toEqual([{ action: "device.revoke", actor: c.users.issuer.id }]);
    // A later warning plans nothing for it.
    const w = await issue(c, villages[0]!);
    expect(
      await c.tdb.db.execute(sql`select id from deliveries where warning_id = ${w.id} and device_id = ${d.id}`),
    ).toEqual([]);
  });

  it("revoking fails its queued commands; revoke is scoped, 404 for unknown ids and 409 when repeated", async () => {
    const c = ctx();
    const d = await createDevice(c, { kind: "display", areaCode: villages[11]! });
    const w = await issue(c, villages[11]!);
    const other = await c.request("POST", `/api/v1/devices/${d.id}/revoke`, { key: c.users.songshanIssuer.key });
    expect(other.status).toBe(403); // 松山区's issuer, a 150422 device
    expect((await c.request("POST", `/api/v1/devices/${d.id}/revoke`, { key: c.users.viewer.key })).status).toBe(403);
    expect(
      (
        await c.request("POST", "/api/v1/devices/00000000-0000-4000-8000-000000000000/revoke", {
          key: c.users.admin.key,
        })
      ).status,
    ).toBe(404);
    expect((await c.request("POST", "/api/v1/devices/not-a-uuid/revoke", { key: c.users.admin.key })).status).toBe(404);
    expect((await c.request("POST", `/api/v1/devices/${d.id}/revoke`, { key: c.users.admin.key })).status).toBe(200);
    const again = await c.request("POST", `/api/v1/devices/${d.id}/revoke`, { key: c.users.admin.key });
    expect(again.status).toBe(409);
    expect(again.headers.get("content-type")).toContain("application/problem+json");
    const [row] = await c.tdb.db.execute<{ status: string; error_code: string }>(
      sql`select status, error_code from deliveries where warning_id = ${w.id} and device_id = ${d.id}`,
    );
    expect(row).toEqual({ status: "failed", error_code: "device_revoked" });
  });
});

describe("commands", () => {
  it("sends play to loudspeakers and show to displays, rendered in the device's language, within a second", async () => {
    const c = ctx();
    const v = villages[1]!;
    const ls = await createDevice(c, { kind: "loudspeaker", areaCode: v, languages: ["mn", "zh"] });
    const ds = await createDevice(c, { kind: "display", areaCode: v, languages: ["mn"] });
    const a = await online(ls.token);
    const b = await online(ds.token);
    await until(async () => hub.hub.conns.get(ls.id)?.["ready"] && hub.hub.conns.get(ds.id)?.["ready"]);
    const w = await issue(c, v);
    const play = await a.next((f) => f.type === "command", 10_000);
    const show = await b.next((f) => f.type === "command", 10_000);
    expect(play).toMatchObject({
      action: "play",
      warning: {
        id: w.id,
        type: "rainstorm",
        level: "red",
        headline: w.headline,
        text: `[mn/loudspeaker] ${w.headline}`,
        language: "mn",
        repeat: 3,
        interval: 60,
        expires: w.expires,
      },
    });
    // No mn display template in this renderer: the display gets zh, and the row says so.
    expect(show).toMatchObject({
      action: "show",
      warning: { text: `[zh/display] ${w.headline}`, language: "zh", repeat: 3 },
    });
    // The frame goes out first and the row is recorded sent right after it.
    await until(async () => (await deliveryOf(c, play.id)).status === "sent");
    expect(await deliveryOf(c, play.id)).toMatchObject({
      status: "sent",
      provider_id: String(play.id),
      language: "mn",
      rendered_language: "mn",
    });
    await until(async () => (await deliveryOf(c, show.id)).rendered_language === "zh");
    expect(await deliveryOf(c, show.id)).toMatchObject({ status: "sent", language: "mn", rendered_language: "zh" });
  });

  it("acks move the delivery forward (received → delivered, played → acknowledged) and the coverage counts the loudspeaker as played", async () => {
    const c = ctx();
    const v = villages[2]!;
    const ls = await createDevice(c, { kind: "loudspeaker", areaCode: v, reach: 300 });
    const d = await online(ls.token);
    await until(async () => hub.hub.conns.get(ls.id)?.["ready"]);
    const w = await issue(c, v);
    const cmd = await d.next((f) => f.type === "command");
    d.send({ type: "ack", id: cmd.id, state: "received", at: new Date().toISOString() });
    await until(async () => (await deliveryOf(c, cmd.id)).status === "delivered");
    d.send({ type: "ack", id: cmd.id, state: "played", at: new Date().toISOString() });
    await until(async () => (await deliveryOf(c, cmd.id)).status === "acknowledged");
    d.send({ type: "ack", id: cmd.id, state: "received" }); // late and repeated: no step back
    const cov = await json(await c.request("GET", `/api/v1/warnings/${w.id}/coverage`));
    expect(cov.channels.loudspeaker).toMatchObject({ targeted: 1, sent: 1, delivered: 1, played: 1, reached: 300 });
    expect((await deliveryOf(c, cmd.id)).status).toBe("acknowledged");
  });

  it("a device failure is recorded with its detail; acks for another device's command are refused", async () => {
    const c = ctx();
    const v = villages[3]!;
    const one = await createDevice(c, { kind: "display", areaCode: v });
    const other = await createDevice(c, { kind: "display", areaCode: villages[4]! });
    const d = await online(one.token);
    const o = await online(other.token);
    await until(async () => hub.hub.conns.get(one.id)?.["ready"] && hub.hub.conns.get(other.id)?.["ready"]);
    await issue(c, v);
    const cmd = await d.next((f) => f.type === "command");
    o.send({ type: "ack", id: cmd.id, state: "shown" });
    expect(await o.next((f) => f.type === "error")).toMatchObject({ code: "unknown_command", id: cmd.id });
    d.send({ type: "ack", id: cmd.id, state: "failed", detail: "LED panel 3 dark" });
    await until(async () => (await deliveryOf(c, cmd.id)).status === "failed");
    expect(await deliveryOf(c, cmd.id)).toMatchObject({ error_code: "device_failed", error: "LED panel 3 dark" });
  });
});

describe("commands an issue in this process committed", () => {
  // A hub that never listens: no notice and no catch-up round reach it, so whatever its
  // device gets came from what the test handed it (the approve's hook, or a round it ran).
  // Its frames out are recorded only once all are answered or when a test flushes it,
  // never on a timer: what a test sees before then does not depend on the machine's speed.
  let quiet: RunningHub;
  let village: string;
  /** Another village, for a test that needs the only devices of its warning. */
  let own: string;
  beforeAll(async () => {
    const c = ctx();
    quiet = await startHub(c, { recordHoldMs: 3_600_000 }, { listen: false });
    const vs = await c.tdb.db.execute<{ code: string }>(
      sql`select code from areas where kind = 'village' and code like '150423%' order by code limit 2`,
    );
    village = vs[0]!.code;
    own = vs[1]!.code;
  });
  afterAll(async () => {
    ctx().services.onDeviceCommands = undefined;
    await quiet?.close();
  });
  /** A device in the village, connected to `on` and past its hello. */
  const ready = async (on: RunningHub, kind: "loudspeaker" | "display", at = village) => {
    const dev = await createDevice(ctx(), { kind, areaCode: at });
    const d = await TestDevice.online(on.url, dev.token);
    clients.push(d);
    await until(async () => on.hub.conns.get(dev.id)?.["ready"]);
    // Its replay's follow-up round over: a hand-off then finds the hub idle and sends
    // (a round under way would have it write the commands queued for that round instead).
    await on.hub.deliver();
    return { id: dev.id, d };
  };

  it("an approve's commands are sent from its plan once committed, recorded sent, each once", async () => {
    const c = ctx();
    const { d } = await ready(quiet, "loudspeaker");
    const handed: number[] = [];
    c.services.onDeviceCommands = (commands, w) => {
      handed.push(...commands.map((x) => x.id));
      quiet.hub.sendCommitted(commands, w);
    };
    const w = await issue(c, village);
    const cmd = await d.next((f) => f.type === "command");
    expect(cmd).toMatchObject({ action: "play", warning: { id: w.id, text: `[zh/loudspeaker] ${w.headline}` } });
    expect(handed).toEqual([cmd.id]);
    // Recorded now, unanswered: this hub's hold is long (no record on a timer).
    await quiet.hub.flush();
    await until(async () => (await deliveryOf(c, cmd.id))?.status === "sent");
    expect(await deliveryOf(c, cmd.id)).toMatchObject({ provider_id: String(cmd.id), rendered_language: "zh" });
    // A read round after it finds nothing queued for this device: nothing goes twice.
    await quiet.hub.deliver();
    d.send({ type: "ack", id: cmd.id, state: "received" });
    await until(async () => (await deliveryOf(c, cmd.id)).status === "delivered");
    expect(d.commands()).toEqual([]);
  });

  it("a hand-off that throws fails nothing: the approve writes the commands queued, and the notice delivers", async () => {
    const c = ctx();
    const { id, d } = await ready(hub, "loudspeaker");
    c.services.onDeviceCommands = () => {
      throw new Error("hub gone");
    };
    const w = await issue(c, village, { channels: ["loudspeaker"] });
    // Written by the approving request itself, before it answered: nothing left reserved.
    const rows = await c.tdb.db.execute<{ id: string }>(
      sql`select id from deliveries where warning_id = ${w.id} and device_id = ${id}`,
    );
    expect(rows).toHaveLength(1);
    expect(await c.tdb.db.execute(sql`select 1 from device_sends where warning_id = ${w.id}`)).toHaveLength(0);
    const cmd = await d.next((f) => f.type === "command" && f.warning.id === w.id);
    expect(cmd.id).toBe(Number(rows[0]!.id));
    await until(async () => (await deliveryOf(c, cmd.id)).status === "sent");
  });

  it("is not taken while a round runs, which may hold the same rows: that round sends them, once", async () => {
    const c = ctx();
    const { id, d } = await ready(quiet, "display");
    let handed: Parameters<NonNullable<typeof c.services.onDeviceCommands>> | null = null;
    c.services.onDeviceCommands = (...args) => {
      handed = args;
    };
    const w = await issue(c, village, { channels: ["display"] });
    expect(handed).not.toBeNull();
    const [commands, issued] = handed!;
    expect(commands.map((x) => x.deviceId)).toEqual([id]);
    // A round reads the queued command; the hand-off arrives while it runs.
    const round = quiet.hub.deliver();
    quiet.hub.sendCommitted(commands, issued);
    await round;
    // (The first test's warning reaches this display too, as a late joiner: not counted.)
    const cmd = await d.next((f) => f.type === "command" && f.warning.id === w.id);
    expect(cmd.id).toBe(commands[0]!.id);
    // Recorded now, unanswered: this hub's hold is long (no record on a timer).
    await quiet.hub.flush();
    await until(async () => (await deliveryOf(c, cmd.id)).status === "sent");
    await quiet.hub.deliver();
    expect(d.commands().filter((f) => f.warning.id === w.id)).toEqual([]);
  });

  /** Hands this test's commands to the quiet hub, as the server wires it. */
  const handToQuiet = (c: TestContext) => {
    c.services.onDeviceCommands = (commands, w) => quiet.hub.sendCommitted(commands, w);
  };
  /** A new device of `kind`, and the command of a warning for it that the hand-off sent:
   * out, its row not recorded yet (no answer given). */
  const outToNew = async (c: TestContext, kind: "loudspeaker" | "display") => {
    const { d } = await ready(quiet, kind);
    handToQuiet(c);
    const w = await issue(c, village, { channels: [kind] });
    const cmd = await d.next((f) => f.type === "command" && f.warning.id === w.id);
    return { d, w, cmd };
  };
  /** Like outToNew, but the command's row written by its issue (no hub took it) and sent
   * by a read round: out, its row `queued` until its record. */
  const outFromRead = async (c: TestContext, kind: "loudspeaker" | "display") => {
    const { d } = await ready(quiet, kind);
    c.services.onDeviceCommands = undefined;
    const w = await issue(c, village, { channels: [kind] });
    await quiet.hub.deliver();
    const cmd = await d.next((f) => f.type === "command" && f.warning.id === w.id);
    return { d, w, cmd };
  };
  /** A warning issued after everything above: its command reaches `d` after any frame the
   * hub has sent it before (one socket keeps order), so a duplicate would be in by then. */
  const sentinel = async (c: TestContext, d: TestDevice) => {
    handToQuiet(c);
    const w = await issue(c, village);
    await d.next((f) => f.type === "command" && f.warning.id === w.id);
  };

  it("writes a handed-off command's row once, after its frame went out, with its receipt: delivered, sent and delivered stamped", async () => {
    const c = ctx();
    // Whatever is out from earlier tests recorded first: once this test's two devices
    // have answered, nothing is out unanswered, and the record goes at once.
    await quiet.hub.flush();
    const { d } = await ready(quiet, "loudspeaker", own);
    const shows = await ready(quiet, "display", own);
    handToQuiet(c);
    const pg = postgres(c.tdb.url, { max: 1, onnotice: () => {} });
    try {
      // Every update of a delivery, as it was written.
      await pg.unsafe(`
        create table test_delivery_writes (id bigint, status text);
        create function test_delivery_write() returns trigger language plpgsql as
          'begin insert into test_delivery_writes values (new.id, new.status); return new; end';
        create trigger test_delivery_write after insert or update on deliveries
          for each row execute function test_delivery_write();`);
      const w = await issue(c, own);
      const cmd = await d.next((f) => f.type === "command" && f.warning.id === w.id);
      d.send({ type: "ack", id: cmd.id, state: "received", at: new Date().toISOString() });
      // A display that answers `shown` at once (no `received`): it arrived, then was shown.
      const shown = await shows.d.next((f) => f.type === "command" && f.warning.id === w.id);
      shows.d.send({ type: "ack", id: shown.id, state: "shown", at: new Date().toISOString() });
      await until(async () => (await deliveryOf(c, cmd.id))?.status === "delivered");
      // Its row written once, after its frame went out, with its receipt: no `queued`
      // written at the approve, no `sent` before the receipt.
      expect(await pg`select status from test_delivery_writes where id = ${cmd.id}`).toEqual([{ status: "delivered" }]);
      await until(async () => (await deliveryOf(c, shown.id))?.status === "acknowledged");
      // Written twice, never `sent`: the record (delivered), then the show (acknowledged).
      const writes = await pg`select status from test_delivery_writes where id = ${shown.id}`;
      expect(writes.map((r) => r.status).sort()).toEqual(["acknowledged", "delivered"]);
      const [row] = await pg`select sent_at, delivered_at, attempts, provider_id from deliveries where id = ${cmd.id}`;
      expect(row).toMatchObject({ attempts: 1, provider_id: String(cmd.id) });
      expect(row!.sent_at).toBeInstanceOf(Date);
      expect(row!.delivered_at).toBeInstanceOf(Date);
      // Its village's counters took it as sent and delivered.
      const [n] = await pg`
        select sent, delivered from coverage_counts
        where warning_id = ${w.id} and village_code = ${own} and channel = 'loudspeaker'`;
      expect(Number(n!.delivered)).toBeGreaterThanOrEqual(1);
      expect(Number(n!.sent)).toBeGreaterThanOrEqual(Number(n!.delivered));
    } finally {
      await pg.unsafe(`
        drop trigger if exists test_delivery_write on deliveries;
        drop function if exists test_delivery_write();
        drop table if exists test_delivery_writes;`);
      await pg.end();
    }
  });

  it("a handed-off command has no row until its record; a read round does not send it again, and unanswered it is written sent", async () => {
    const c = ctx();
    const { d, w, cmd } = await outToNew(c, "display");
    // No receipt: its record waits (RECORD_HOLD_MS); its reservation stands for it.
    expect(await deliveryOf(c, cmd.id)).toBeUndefined();
    const [reserved] = await c.tdb.db.execute<{ unwritten: number }>(
      sql`select unwritten from device_sends where warning_id = ${w.id}`,
    );
    expect(reserved?.unwritten).toBeGreaterThan(0);
    await quiet.hub.deliver();
    await sentinel(c, d);
    expect(d.commands().filter((f) => f.warning.id === w.id)).toEqual([]);
    // Recorded now, unanswered: this hub's hold is long (no record on a timer).
    await quiet.hub.flush();
    await until(async () => (await deliveryOf(c, cmd.id))?.status === "sent");
    expect(await deliveryOf(c, cmd.id)).toMatchObject({ provider_id: String(cmd.id) });
    // Every command written: the reservation is gone.
    expect(await c.tdb.db.execute(sql`select 1 from device_sends where warning_id = ${w.id}`)).toHaveLength(0);
  });

  it("a handed-off warning's devices not connected here get their rows queued at once, and their commands on hello", async () => {
    const c = ctx();
    const { d } = await ready(quiet, "display");
    const away = await createDevice(c, { kind: "display", areaCode: village });
    let handed = 0;
    c.services.onDeviceCommands = (commands, issued) => {
      handed = commands.length;
      quiet.hub.sendCommitted(commands, issued);
    };
    const w = await issue(c, village, { channels: ["display"] });
    const cmd = await d.next((f) => f.type === "command" && f.warning.id === w.id);
    // The away display's row is written queued by the hand-off, once its frames are out.
    const awayRow = async () =>
      (
        await c.tdb.db.execute<{ id: string; status: string }>(
          sql`select id, status from deliveries where warning_id = ${w.id} and device_id = ${away.id}`,
        )
      )[0];
    await until(async () => (await awayRow()) !== undefined);
    const row = await awayRow();
    expect(row?.status).toBe("queued");
    // Written by the hub that sent the rest, not by an overdue write: the reservation
    // still stands for the command out, unwritten until its record.
    const [left] = await c.tdb.db.execute<{ unwritten: number; written: number }>(sql`
      select unwritten, (select count(*)::int from deliveries where warning_id = ${w.id}) as written
      from device_sends where warning_id = ${w.id}`);
    expect(left!.unwritten).toBeGreaterThan(0);
    expect(left!.unwritten + left!.written).toBe(handed);
    expect(await deliveryOf(c, cmd.id)).toBeUndefined();
    expect(Number(row!.id)).not.toBe(cmd.id);
    const late = await TestDevice.online(quiet.url, away.token);
    clients.push(late);
    const got = await late.next((f) => f.type === "command" && f.warning.id === w.id);
    expect(got.id).toBe(Number(row!.id));
    // Recorded now, unanswered: this hub's hold is long (no record on a timer).
    await quiet.hub.flush();
    await until(async () => (await deliveryOf(c, cmd.id))?.status === "sent");
    expect(await countersMatchRows(c, w, "display")).toBe(true);
  });

  it("a handed-off command whose hub never wrote it is written queued with the same id once its hold runs out, and sent again on hello", async () => {
    const c = ctx();
    const dev = await createDevice(c, { kind: "display", areaCode: village });
    const first = await TestDevice.online(quiet.url, dev.token);
    clients.push(first);
    await until(async () => quiet.hub.conns.get(dev.id)?.["ready"]);
    // A hub that took the commands and died before writing anything.
    let handed: number[] = [];
    c.services.onDeviceCommands = (commands) => {
      handed = commands.filter((x) => x.deviceId === dev.id).map((x) => x.id);
    };
    const w = await issue(c, village, { channels: ["display"] });
    expect(handed).toHaveLength(1);
    expect(await deliveryOf(c, handed[0]!)).toBeUndefined();
    // Not before its hold has run out.
    expect(await writeOverdueDeviceSends(c.tdb.db)).toBe(0);
    await runOutHold(c.tdb.db, w.id);
    expect(await writeOverdueDeviceSends(c.tdb.db)).toBeGreaterThan(0);
    expect(await deliveryOf(c, handed[0]!)).toMatchObject({ status: "queued" });
    expect(await c.tdb.db.execute(sql`select 1 from device_sends where warning_id = ${w.id}`)).toHaveLength(0);
    // The device reconnects: its hello replays the command, with the id it was reserved.
    first.close();
    await until(async () => !quiet.hub.conns.has(dev.id));
    const again = await TestDevice.online(quiet.url, dev.token);
    clients.push(again);
    const cmd = await again.next((f) => f.type === "command" && f.warning.id === w.id);
    expect(cmd.id).toBe(handed[0]);
  });

  it("a reserved command not sent, whose device is revoked before its row is written, is written failed as the revoke fails it", async () => {
    const c = ctx();
    const dev = await createDevice(c, { kind: "display", areaCode: own });
    let handed: number[] = [];
    // A hub that took the commands and died before writing anything.
    c.services.onDeviceCommands = (commands) => {
      handed = commands.filter((x) => x.deviceId === dev.id).map((x) => x.id);
    };
    const w = await issue(c, own, { channels: ["display"] });
    expect(handed).toHaveLength(1);
    const r = await c.request("POST", `/api/v1/devices/${dev.id}/revoke`, { key: c.users.issuer.key });
    expect(r.status).toBe(200);
    await runOutHold(c.tdb.db, w.id);
    expect(await writeOverdueDeviceSends(c.tdb.db)).toBeGreaterThan(0);
    expect(await deliveryOf(c, handed[0]!)).toMatchObject({
      status: "failed",
      error_code: "device_revoked",
      error: "device revoked",
    });
    const [n] = await c.tdb.db.execute<{ failed: number }>(sql`
      select failed from coverage_counts where warning_id = ${w.id} and village_code = ${own} and channel = 'display'`);
    expect(n?.failed).toBe(1);
  });

  it("a hub's record that comes after an overdue write moves the queued row it wrote: one row, sent", async () => {
    const c = ctx();
    const { w, cmd } = await outToNew(c, "display");
    // Its hold run out while the frame was out (a stalled hub): written queued by anyone.
    await runOutHold(c.tdb.db, w.id);
    expect(await writeOverdueDeviceSends(c.tdb.db)).toBeGreaterThan(0);
    expect(await deliveryOf(c, cmd.id)).toMatchObject({ status: "queued" });
    await quiet.hub.flush();
    expect(await deliveryOf(c, cmd.id)).toMatchObject({ status: "sent", provider_id: String(cmd.id) });
    expect(await c.tdb.db.execute(sql`select 1 from deliveries where id = ${cmd.id}`)).toHaveLength(1);
    expect(await countersMatchRows(c, w, "display")).toBe(true);
  });

  it("a read that started before a record committed leaves that record's commands out, whenever it returns", async () => {
    const c = ctx();
    const { id } = await ready(quiet, "display");
    c.services.onDeviceCommands = undefined;
    const w = await issue(c, village, { channels: ["display"] });
    const [row] = await c.tdb.db.execute<{ id: string }>(
      sql`select id from deliveries where warning_id = ${w.id} and device_id = ${id}`,
    );
    const cmd = Number(row!.id);
    const reports = new DeviceReports({ db: c.tdb.db, log: silentLogger, now: () => new Date() });
    reports.sent([{ id: cmd, language: "zh", deviceId: id }]);
    const before = reports.unrecordedSince();
    await reports.flush();
    expect((await deliveryOf(c, cmd)).status).toBe("sent");
    // Its snapshot may still show the row queued: it is out all the same.
    expect(before(cmd)).toBe(true);
    // A read starting now sees it sent.
    expect(reports.unrecordedSince()(cmd)).toBe(false);
  });

  it("an unanswered command is recorded sent once the hold has passed on the machine's clock, whatever the service's clock says", async () => {
    const c = ctx();
    const { id } = await ready(quiet, "display");
    c.services.onDeviceCommands = undefined;
    const w = await issue(c, village, { channels: ["display"] });
    const [row] = await c.tdb.db.execute<{ id: string }>(
      sql`select id from deliveries where warning_id = ${w.id} and device_id = ${id}`,
    );
    const cmd = Number(row!.id);
    // A frozen clock, as a test's or a replayed job's: the stamp comes from it, the hold not.
    const frozen = new Date(c.clock.now);
    const reports = new DeviceReports({ db: c.tdb.db, log: silentLogger, now: () => frozen });
    reports.sent([{ id: cmd, language: "zh", deviceId: id }]);
    await until(async () => (await deliveryOf(c, cmd)).status === "sent");
    const [at] = await c.tdb.db.execute<{ sent_at: Date }>(sql`select sent_at from deliveries where id = ${cmd}`);
    expect(new Date(at!.sent_at).getTime()).toBe(frozen.getTime());
  });

  /** Whether the coverage counters of `w`'s `channel` rows in the village agree with the rows' stamps. */
  const countersMatchRows = async (c: TestContext, w: { id?: unknown }, channel: string) => {
    const [counts] = await c.tdb.db.execute<{ ok: boolean }>(sql`
      select cc.sent = r.sent and cc.delivered = r.delivered and cc.acknowledged = r.acknowledged
        and cc.expired = r.expired as ok
      from coverage_counts cc, (
        select count(sent_at)::int as sent, count(delivered_at)::int as delivered,
          count(acknowledged_at)::int as acknowledged, count(expired_at)::int as expired
        from deliveries where warning_id = ${w.id} and village_code = ${village} and channel = ${channel}
      ) r
      where cc.warning_id = ${w.id} and cc.village_code = ${village} and cc.channel = ${channel}`);
    return counts?.ok;
  };
  /** The ended warning's stop reaches `d` (its own id: the play's, negated), and command
   * `id`'s row is then `row`, its display counters agreeing with the rows. */
  const endedStopThen = async (
    c: TestContext,
    d: TestDevice,
    w: { id?: unknown },
    id: number,
    row: { status: string; sent: boolean; expired: boolean },
  ) => {
    await quiet.hub.stopEnded(w.id as string);
    const stop = await d.next((f) => f.type === "command" && f.id === -id);
    expect(stop).toMatchObject({ action: "stop", reason: "ended" });
    expect(await statusOf(c, id)).toEqual(row);
    expect(await countersMatchRows(c, w, "display")).toBe(true);
  };
  const statusOf = async (c: TestContext, id: number) => {
    const [row] = await c.tdb.db.execute<{ status: string; sent: boolean; expired: boolean }>(sql`
      select status, sent_at is not null as sent, expired_at is not null as expired from deliveries where id = ${id}`);
    return row;
  };

  it("a command read, out before its warning ended, is recorded sent, not expired: a later show counts, and its device gets the stop", async () => {
    const c = ctx();
    const { d, w, cmd } = await outFromRead(c, "display");
    // The warning ends while the frame is out and its row still reads queued: the expiry
    // takes the row.
    expect((await deliveryOf(c, cmd.id)).status).toBe("queued");
    const [end] = await c.tdb.db.execute<{ expires: Date }>(sql`select expires from warnings where id = ${w.id}`);
    await expireEnded(c.tdb.db, new Date(new Date(end!.expires).getTime() + 1000), [w.id]);
    expect((await deliveryOf(c, cmd.id)).status).toBe("expired");
    // It went out before the end: what happened is `sent`, the expiry undone.
    await endedStopThen(c, d, w, cmd.id, { status: "sent", sent: true, expired: false });
    // The display showed it before the stop: that counts.
    d.send({ type: "ack", id: cmd.id, state: "shown", at: new Date().toISOString() });
    await until(async () => (await deliveryOf(c, cmd.id)).status === "acknowledged");
    expect(await countersMatchRows(c, w, "display")).toBe(true);
  });

  it("a handed-off command whose warning ends while it is out is written sent, and its device gets the stop", async () => {
    const c = ctx();
    const { d, w, cmd } = await outToNew(c, "display");
    const [end] = await c.tdb.db.execute<{ expires: Date }>(sql`select expires from warnings where id = ${w.id}`);
    // Its row not written yet, the expiry cannot take it (the warning's rows for devices
    // not connected here, written queued, it does).
    await expireEnded(c.tdb.db, new Date(new Date(end!.expires).getTime() + 1000), [w.id]);
    await endedStopThen(c, d, w, cmd.id, { status: "sent", sent: true, expired: false });
  });

  it("a Cancel issued while a handed-off command's row is unwritten still stops its loudspeaker", async () => {
    const c = ctx();
    const { d, w, cmd } = await outToNew(c, "loudspeaker");
    expect(await deliveryOf(c, cmd.id)).toBeUndefined();
    const r = await c.request("POST", `/api/v1/warnings/${w.id}/cancel`, {
      key: c.users.issuer.key,
      json: { reason: "误发" },
    });
    expect(r.status).toBe(201);
    const cancel = await json(r);
    // The Cancel's stops are planned (by a runner, after its commit) before the hub holding
    // the command has written its row.
    await finishPlans(c);
    expect(await deliveryOf(c, cmd.id)).toBeUndefined();
    await quiet.hub.deliver();
    const stop = await d.next((f) => f.type === "command" && f.warning.id === cancel.id);
    expect(stop).toMatchObject({ action: "stop", warning: { msgType: "Cancel", thread: w.id } });
  });

  it("a command read, out after its warning had ended, stays expired, stamped with when it went out, and gets the stop", async () => {
    const c = ctx();
    const { d, w, cmd } = await outFromRead(c, "display");
    // Expired as of a minute before the frame went out (the hub sent from a read that
    // predated the end).
    await c.tdb.db.execute(sql`update warnings set status = 'cancelled', ended_at = now() where id = ${w.id}`);
    await expireEnded(c.tdb.db, new Date(c.clock.now.getTime() - 60_000), [w.id]);
    await endedStopThen(c, d, w, cmd.id, { status: "expired", sent: true, expired: true });
  });

  it("a read round while the record is being written does not send its commands again", async () => {
    const c = ctx();
    const { d, w, cmd } = await outFromRead(c, "loudspeaker");
    // Its row locked elsewhere, so the record (forced now) waits on it, uncommitted.
    const pg = postgres(c.tdb.url, { max: 2, onnotice: () => {} });
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => {
      locked = r;
    });
    const tx = pg.begin(async (t) => {
      await t`select id from deliveries where id = ${cmd.id} for update`;
      locked();
      await held;
    });
    try {
      await isLocked;
      const flushed = quiet.hub.flush();
      await until(
        async () =>
          (
            await pg`select 1 from pg_stat_activity
              where wait_event_type = 'Lock' and query like '%update deliveries d set%status = case%'`
          ).length > 0,
      );
      await quiet.hub.deliver();
      release();
      await tx;
      await flushed;
    } finally {
      release();
      await tx.catch(() => {});
      await pg.end();
    }
    await sentinel(c, d);
    expect(d.commands().filter((f) => f.warning.id === w.id)).toEqual([]);
    expect((await deliveryOf(c, cmd.id)).status).toBe("sent");
  });
});

describe("store and forward", () => {
  it("a device offline at issue receives the command on hello, and a stop for a warning cancelled while it was away", async () => {
    const c = ctx();
    const v = villages[5]!;
    const ls = await createDevice(c, { kind: "loudspeaker", areaCode: v });
    const first = await online(ls.token);
    await until(async () => hub.hub.conns.get(ls.id)?.["ready"]);
    first.close();
    await until(async () => !hub.hub.conns.has(ls.id));
    // Issued a second apart (the test clock is frozen otherwise): order is issue time, not
    // delivery id, which is cached per backend and does not follow time.
    const w1 = await issue(c, v);
    c.clock.advance(1_000);
    const w2 = await issue(c, v, { level: "orange", type: "gale" });
    const again = await online(ls.token);
    const a = await again.next((f) => f.type === "command");
    const b = await again.next((f) => f.type === "command");
    expect([a.warning.id, b.warning.id]).toEqual([w1.id, w2.id]); // oldest first
    expect(b).toMatchObject({ action: "play", warning: { level: "orange", repeat: 2, interval: 120 } });
    again.send({ type: "ack", id: a.id, state: "played" });
    await until(async () => (await deliveryOf(c, a.id)).status === "acknowledged");
    again.close();
    await until(async () => !hub.hub.conns.has(ls.id));

    const r = await c.request("POST", `/api/v1/warnings/${w2.id}/cancel`, {
      key: c.users.issuer.key,
      json: { reason: "大风减弱" },
    });
    expect(r.status).toBe(201);
    const cancel = await json(r);
    await finishPlans(c); // the stop, planned after commit (a runner does this when woken)
    const third = await online(ls.token);
    const stop = await third.next((f) => f.type === "command");
    expect(stop).toMatchObject({ action: "stop", warning: { id: cancel.id, msgType: "Cancel", thread: w2.id } });
    // w1 was played (acknowledged) and w2 is no longer in force: nothing else arrives.
    await new Promise((res) => setTimeout(res, 300));
    expect(third.commands()).toEqual([]);
  });

  it("a command issued while the replay is going out arrives after the replayed ones, each once", async () => {
    const c = ctx();
    const v = villages[11]!;
    // Other tests' warnings over this village end first: a device registered while one is in
    // force joins it late, and this test is about the order of these four alone.
    await c.tdb.db.execute(sql`update warnings set status = 'expired'
      where status = 'issued' and id in (select warning_id from coverage_villages where village_code = ${v})`);
    const ls = await createDevice(c, { kind: "loudspeaker", areaCode: v });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await issue(c, v, { headline: `replayed ${i}` })).id);
      c.clock.advance(1_000);
    }
    // Rendering the replayed commands takes a while, so the live one is issued mid-replay.
    const slow = await startHub(c, {
      renderer: {
        render: async (w, ch, lang) => {
          if (w.headline.startsWith("replayed")) await new Promise((r) => setTimeout(r, 300));
          return echoRenderer.render(w, ch, lang);
        },
      },
    });
    try {
      const d = await TestDevice.online(slow.url, ls.token);
      clients.push(d);
      ids.push((await issue(c, v, { headline: "live" })).id);
      const got: string[] = [];
      for (let i = 0; i < 4; i++) got.push((await d.next((f) => f.type === "command")).warning.id);
      expect(got).toEqual(ids);
      await new Promise((res) => setTimeout(res, 300));
      expect(d.commands()).toEqual([]);
    } finally {
      await slow.close();
    }
  });

  it("never sends an expired command", async () => {
    const c = ctx();
    const v = villages[6]!;
    const ls = await createDevice(c, { kind: "loudspeaker", areaCode: v });
    const w = await issue(c, v);
    await c.tdb.db.execute(sql`update warnings set expires = now() - interval '1 second' where id = ${w.id}`);
    const d = await online(ls.token);
    await until(async () => hub.hub.conns.get(ls.id)?.["ready"]);
    await hub.hub.deliver();
    await new Promise((res) => setTimeout(res, 300));
    expect(d.commands()).toEqual([]);
    expect(
      (await c.tdb.db.execute<{ status: string }>(sql`select status from deliveries where warning_id = ${w.id}`))[0]!
        .status,
    ).toBe("queued");
  });

  it("sends stop with reason ended when the expiry job signals a warning ended", async () => {
    const c = ctx();
    const v = villages[7]!;
    const ls = await createDevice(c, { kind: "loudspeaker", areaCode: v });
    const d = await online(ls.token);
    await until(async () => hub.hub.conns.get(ls.id)?.["ready"]);
    const w = await issue(c, v);
    const cmd = await d.next((f) => f.type === "command");
    await c.tdb.db.execute(sql`update warnings set status = 'expired', ended_at = now() where id = ${w.id}`);
    const { notifyWarningEnded } = await import("../../src/hub/notify.js");
    await notifyWarningEnded(c.tdb.db, w.id);
    expect(await d.next((f) => f.type === "command")).toMatchObject({
      id: -cmd.id,
      action: "stop",
      reason: "ended",
      warning: { id: w.id },
    });
  });
});

describe("delivery truth", () => {
  it("a loudspeaker that acks received and then failed (amplifier fault) fails, and failed then received stays failed", async () => {
    const c = ctx();
    const v = villages[9]!;
    const ls = await createDevice(c, { kind: "loudspeaker", areaCode: v, reach: 500 });
    const d = await online(ls.token);
    await until(async () => hub.hub.conns.get(ls.id)?.["ready"]);
    const w = await issue(c, v);
    const cmd = await d.next((f) => f.type === "command");
    d.send({ type: "ack", id: cmd.id, state: "received" });
    await until(async () => (await deliveryOf(c, cmd.id)).status === "delivered");
    d.send({ type: "ack", id: cmd.id, state: "failed", detail: "amplifier fault" });
    await until(async () => (await deliveryOf(c, cmd.id)).status === "failed");
    expect(await deliveryOf(c, cmd.id)).toMatchObject({ error_code: "device_failed", error: "amplifier fault" });
    d.send({ type: "ack", id: cmd.id, state: "received" });
    d.send({ type: "ack", id: cmd.id, state: "played" });
    await hub.hub.flush();
    await hub.hub.flush();
    expect((await deliveryOf(c, cmd.id)).status).toBe("failed");
    const cov = await json(await c.request("GET", `/api/v1/warnings/${w.id}/coverage`));
    expect(cov.channels.loudspeaker).toMatchObject({ played: 0, failed: 1, reached: 0 });
  });

  it("a stop has its own id: acking it never counts as playing, for an ended warning or a Cancel", async () => {
    const c = ctx();
    const v = villages[10]!;
    const ls = await createDevice(c, { kind: "loudspeaker", areaCode: v, reach: 400 });
    const d = await online(ls.token);
    await until(async () => hub.hub.conns.get(ls.id)?.["ready"]);
    // Ended by expiry: the stop's id is the play's, negated; a "played" ack of it changes nothing.
    const ended = await issue(c, v);
    const play = await d.next((f) => f.type === "command");
    d.send({ type: "ack", id: play.id, state: "received" });
    await until(async () => (await deliveryOf(c, play.id)).status === "delivered");
    await c.tdb.db.execute(sql`update warnings set status = 'expired', ended_at = now() where id = ${ended.id}`);
    const { notifyWarningEnded } = await import("../../src/hub/notify.js");
    await notifyWarningEnded(c.tdb.db, ended.id);
    const stop = await d.next((f) => f.type === "command");
    expect(stop).toMatchObject({ action: "stop", id: -play.id });
    d.send({ type: "ack", id: stop.id, state: "played" });
    await hub.hub.flush();
    await hub.hub.flush();
    expect((await deliveryOf(c, play.id)).status).toBe("delivered");
    const cov = await json(await c.request("GET", `/api/v1/warnings/${ended.id}/coverage`));
    expect(cov.channels.loudspeaker).toMatchObject({ played: 0, reached: 0 });
    // A Cancel's stop: received, never played.
    const w = await issue(c, v, { type: "gale" });
    const second = await d.next((f) => f.type === "command");
    const r = await c.request("POST", `/api/v1/warnings/${w.id}/cancel`, {
      key: c.users.issuer.key,
      json: { reason: "大风减弱" },
    });
    const cancel = await json(r);
    await finishPlans(c);
    const stop2 = await d.next((f) => f.type === "command" && f.warning.id === cancel.id);
    expect(stop2.id).not.toBe(second.id);
    d.send({ type: "ack", id: stop2.id, state: "played" });
    await until(async () => (await deliveryOf(c, stop2.id)).status === "delivered");
    await hub.hub.flush();
    expect((await deliveryOf(c, stop2.id)).status).toBe("delivered");
    expect((await deliveryOf(c, second.id)).status).toBe("sent");
  });

  it("a device that acks played and drops at once is not sent the command again on reconnect", async () => {
    const c = ctx();
    const v = villages[0]!;
    await c.tdb.db.execute(sql`update warnings set status = 'expired'
      where status = 'issued' and id in (select warning_id from coverage_villages where village_code = ${v})`);
    const ls = await createDevice(c, { kind: "loudspeaker", areaCode: v });
    for (let round = 0; round < 5; round++) {
      const d = await online(ls.token);
      await until(async () => hub.hub.conns.get(ls.id)?.["ready"]);
      const w = await issue(c, v, { headline: `flap ${round}` });
      const cmd = await d.next((f) => f.type === "command" && f.warning.id === w.id);
      // The ack is read, and the socket closes before the batch is written.
      d.send({ type: "ack", id: cmd.id, state: "played" });
      d.close();
      const again = await online(ls.token);
      await until(async () => hub.hub.conns.get(ls.id)?.["ready"]);
      await hub.hub.flush();
      expect((await deliveryOf(c, cmd.id)).status).toBe("acknowledged");
      expect(again.commands().filter((f) => f.id === cmd.id)).toEqual([]);
      again.close();
      await until(async () => !hub.hub.conns.has(ls.id));
    }
  });
});

describe("connections", () => {
  it("a second connection replaces the first with close code 4001", async () => {
    const c = ctx();
    const ls = await createDevice(c, { kind: "loudspeaker", areaCode: villages[8]! });
    const first = await online(ls.token);
    await until(async () => hub.hub.conns.get(ls.id)?.["ready"]);
    const second = await online(ls.token);
    expect(await first.waitClosed()).toEqual({ code: 4001, reason: "replaced by a newer connection" });
    await until(async () => hub.hub.conns.get(ls.id)?.["ready"]);
    // The replaced socket's close does not mark the device offline.
    await hub.hub.flush();
    const [row] = await c.tdb.db.execute<{ online: boolean; firmware: string }>(
      sql`select online, firmware from devices where id = ${ls.id}`,
    );
    expect(row).toEqual({ online: true, firmware: "test-1.0" });
    expect(second.closed).toBeNull();
  });

  it("answers malformed frames with error frames and closes with 1008 after five", async () => {
    const c = ctx();
    const ls = await createDevice(c, { kind: "display", areaCode: villages[9]! });
    const d = await online(ls.token);
    const bad = [
      "not json",
      "[]",
      JSON.stringify({ type: "ack", id: "x", state: "played" }),
      JSON.stringify({ type: "launch" }),
      JSON.stringify({ type: "ack", id: 1, state: "exploded" }),
    ];
    d.send(bad[0]);
    expect(await d.next((f) => f.type === "error")).toMatchObject({ code: "malformed_frame", message: "not JSON" });
    for (const b of bad.slice(1)) d.send(b);
    expect(await d.waitClosed()).toEqual({ code: 1008, reason: "too many malformed frames" });
    // The hub is still serving.
    const again = await online(ls.token);
    again.send({ type: "heartbeat" });
    expect(again.closed).toBeNull();
  });

  it("closes with 1009 on a frame over 64 KiB, and treats a binary frame as malformed", async () => {
    const c = ctx();
    const ls = await createDevice(c, { kind: "display", areaCode: villages[9]! });
    const d = await online(ls.token);
    d.ws.send(Buffer.from([1, 2, 3]));
    expect(await d.next((f) => f.type === "error")).toMatchObject({
      code: "malformed_frame",
      message: "binary frames are not part of the protocol",
    });
    d.send({ type: "heartbeat", at: "x".repeat(70 * 1024) });
    expect((await d.waitClosed()).code).toBe(1009);
  });
});

describe("liveness", () => {
  it("marks a silent device offline and terminates its socket; online and last seen are visible per area", async () => {
    const c = ctx();
    const fast = await startHub(c, { heartbeatMs: 100, timeoutMs: 300 });
    try {
      const v = villages[10]!;
      const ls = await createDevice(c, { kind: "loudspeaker", areaCode: v });
      const d = await TestDevice.online(fast.url, ls.token);
      clients.push(d);
      const list = async () =>
        (await json(await c.request("GET", `/api/v1/devices?area=${v}`))).items.find((i: any) => i.id === ls.id);
      await until(async () => (await list()).online === true);
      // A silent device: stop answering protocol pings.
      (d.ws as any)._receiver.removeAllListeners("ping");
      d.ws.pong = () => {};
      const closed = await d.waitClosed(3_000);
      expect(closed.code).toBe(1006);
      const item = await until(async () => {
        const i = await list();
        return i.online === false ? i : null;
      });
      expect(item.lastSeen).not.toBeNull();
      const audit = (await until(async () => {
        const a = await c.tdb.db.execute<{ action: string; after: any }>(
          sql`select action, after from audit_log where subject_id = ${ls.id} order by id`,
        );
        return a.length >= 3 ? a : null;
      }))!;
      expect(audit.map((a) => a.action)).toEqual(["device.create", "device.online", "device.offline"]);
      expect(audit.at(-1)!.after).toEqual({ reason: "timeout" });
    } finally {
      await fast.close();
    }
  });
});
