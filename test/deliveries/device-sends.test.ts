// Device commands reserved by the approve and written by the hub that sent them
// (src/deliveries/device-sends.ts): numbered in the warning's ledger like any row, each
// written once whoever writes it, and counted once.
import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { useContext, type TestContext } from "../helpers/context.js";
import { createDraft, createIssued } from "../helpers/factories.js";
import { addPerson } from "../helpers/people.js";
import { continuePlans, planNextChunk } from "../../src/dispatch/progressive.js";
import { writeDeviceSends, writeOverdueDeviceSends } from "../../src/deliveries/device-sends.js";
import { runOutHold } from "../helpers/device-sends.js";
import type { DeviceCommandRow } from "../../src/deliveries/device-commands.js";

const ctx = useContext();
const VA = "150402003001";
const VB = "150402003002";

async function addDevice(c: TestContext, kind: "loudspeaker" | "display", areaCode: string): Promise<string> {
  const r = await c.request("POST", "/api/v1/devices", {
    key: c.users.admin.key,
    json: { kind, areaCode, name: `${kind} ${areaCode}` },
  });
  expect(r.status).toBe(201);
  return ((await r.json()) as { id: string }).id;
}

/** Issues a devices-only warning over VA and VB through the API, its commands handed to a
 * hub that keeps them (and writes nothing): what the approve reserved. */
async function reserved(c: TestContext): Promise<{ id: string; commands: DeviceCommandRow[] }> {
  let commands: DeviceCommandRow[] = [];
  c.services.onDeviceCommands = (cmds) => {
    commands = cmds;
  };
  try {
    const w = await createIssued(c, { level: "red", areas: { codes: [VA, VB] }, channels: ["loudspeaker", "display"] });
    return { id: w.id, commands };
  } finally {
    c.services.onDeviceCommands = undefined;
  }
}

/** A red warning for the public by SMS and loudspeaker over `village`, approved through the
 * API and not planned yet (no runner here): its plan is the test's to step through. */
async function approvedUnplanned(c: TestContext, village: string) {
  const w = await createDraft(c, {
    level: "red",
    areas: { codes: [village] },
    audiences: ["public"],
    channels: ["sms", "loudspeaker"],
  });
  for (const [step, key] of [
    ["submit", c.users.issuer.key],
    ["approve", c.users.approver.key],
  ] as const)
    expect((await c.request("POST", `/api/v1/warnings/${w.id}/${step}`, { key })).status).toBe(200);
  return w;
}

const rowsOf = (c: TestContext, warningId: string) =>
  c.tdb.db.execute<{ id: string; device_id: string; status: string; village_code: string }>(
    sql`select id, device_id, status, village_code from deliveries where warning_id = ${warningId} order by id`,
  );

/** Whether every device counter of the warning agrees with its rows' stamps (and targeted
 * with their number). (A public's SMS counters run ahead of their rows: walks.) */
async function countersMatch(c: TestContext, warningId: string): Promise<boolean> {
  const devices = sql`channel in ('loudspeaker', 'display')`;
  const [r] = await c.tdb.db.execute<{ ok: boolean }>(sql`
    with rows as (
      select village_code, channel, count(*)::int as targeted, count(sent_at)::int as sent,
        count(delivered_at)::int as delivered, count(failed_at)::int as failed
      from deliveries where warning_id = ${warningId} and ${devices} group by 1, 2
    )
    select bool_and(cc.targeted = r.targeted and cc.sent = r.sent and cc.delivered = r.delivered
      and cc.failed = r.failed)
      and count(*) = (select count(*) from coverage_counts where warning_id = ${warningId} and ${devices}) as ok
    from coverage_counts cc join rows r using (village_code, channel)
    where cc.warning_id = ${warningId}`);
  return r?.ok ?? false;
}

describe("reserved device commands", () => {
  it("are numbered in the warning's ledger, one block, counted as targeted, with no row until written", async () => {
    const c = ctx();
    const devices = [
      await addDevice(c, "loudspeaker", VA),
      await addDevice(c, "display", VA),
      await addDevice(c, "loudspeaker", VB),
    ];
    const { id, commands } = await reserved(c);
    expect(commands.map((x) => x.deviceId).sort()).toEqual([...devices].sort());
    expect(commands.every((x) => x.unwritten === true && x.warningId === id)).toBe(true);
    // One block: consecutive ids, and the ledger advanced past it.
    const ids = commands.map((x) => x.id).sort((a, b) => a - b);
    expect(ids.at(-1)! - ids[0]!).toBe(2);
    const [ledger] = await c.tdb.db.execute<{ rows: number }>(
      sql`select rows from delivery_ledgers where warning_id = ${id}`,
    );
    expect(ledger?.rows).toBe(3);
    expect(await rowsOf(c, id)).toEqual([]);
    const counts = await c.tdb.db.execute<{ village_code: string; channel: string; targeted: number }>(sql`
      select village_code, channel, targeted from coverage_counts where warning_id = ${id} order by village_code, channel::text`);
    expect(counts).toEqual([
      { village_code: VA, channel: "display", targeted: 1 },
      { village_code: VA, channel: "loudspeaker", targeted: 1 },
      { village_code: VB, channel: "loudspeaker", targeted: 1 },
    ]);
  });

  it("are each written once, whoever writes them and however often: sent, queued, then an overdue write", async () => {
    const c = ctx();
    const { id, commands } = await reserved(c);
    expect(commands).toHaveLength(3);
    const [a, b, rest] = commands as [DeviceCommandRow, DeviceCommandRow, DeviceCommandRow];
    const at = new Date(c.clock.now);
    // The hub: one sent with its receipt, one not sent.
    expect(
      await writeDeviceSends(c.tdb.db, [
        { id: a.id, warningId: id, sent: { language: "zh", sentAt: at, deliveredAt: at } },
        { id: b.id, warningId: id },
      ]),
    ).toEqual([]);
    // The same again (a retried write): nothing twice; both reported written before.
    expect(
      (
        await writeDeviceSends(c.tdb.db, [
          { id: a.id, warningId: id, sent: { language: "zh", sentAt: at } },
          { id: b.id, warningId: id },
        ])
      ).sort(),
    ).toEqual([a.id, b.id].sort());
    const [left] = await c.tdb.db.execute<{ unwritten: number }>(
      sql`select unwritten from device_sends where warning_id = ${id}`,
    );
    expect(left?.unwritten).toBeLessThanOrEqual(1);
    // The rest, once its hold has run out.
    await runOutHold(c.tdb.db, id);
    expect(await writeOverdueDeviceSends(c.tdb.db)).toBe(1);
    expect(await writeOverdueDeviceSends(c.tdb.db)).toBe(0);
    const rows = await rowsOf(c, id);
    expect(rows.map((r) => [Number(r.id), r.status])).toEqual(
      [
        [a.id, "delivered"],
        [b.id, "queued"],
        [rest.id, "queued"],
      ].sort((x, y) => (x[0] as number) - (y[0] as number)),
    );
    expect(new Set(rows.map((r) => r.device_id)).size).toBe(3);
    expect(await c.tdb.db.execute(sql`select 1 from device_sends where warning_id = ${id}`)).toEqual([]);
    expect(await countersMatch(c, id)).toBe(true);
  });

  it("a progressive plan's devices step reserves them for the hub in its process, a joiner's too, counted once each", async () => {
    const c = ctx();
    const VC = "150402003003";
    await addPerson(c.tdb.db, { area: VC });
    const old = [await addDevice(c, "loudspeaker", VC), await addDevice(c, "loudspeaker", VC)];
    const w = await approvedUnplanned(c, VC);
    // Its targets step, then a loudspeaker joins the village: left to the devices step to
    // come (one command per device), no row of its own.
    expect(await planNextChunk(c.tdb.db, c.clock.now)).toMatchObject({ warningId: w.id, phase: "targets" });
    const joiner = await addDevice(c, "loudspeaker", VC);
    const [joined] = await c.tdb.db.execute<{ n: number }>(
      sql`select count(*)::int as n from deliveries where warning_id = ${w.id} and device_id = ${joiner}`,
    );
    expect(joined?.n).toBe(0);
    // The rest of the plan, the devices handed to "the hub" (kept here).
    const handed: DeviceCommandRow[][] = [];
    await continuePlans(
      c.tdb.db,
      () => c.clock.now,
      () => true,
      {
        onDeviceCommands: (commands) => handed.push(commands),
      },
    );
    expect(handed).toHaveLength(1);
    expect(handed[0]!.map((x) => x.deviceId).sort()).toEqual([...old, joiner].sort());
    expect(handed[0]!.every((x) => x.unwritten)).toBe(true);
    const [targeted] = await c.tdb.db.execute<{ n: number }>(sql`
      select targeted as n from coverage_counts where warning_id = ${w.id} and village_code = ${VC} and channel = 'loudspeaker'`);
    expect(targeted?.n).toBe(3);
    // The hub writes them: every device one row, the counters agreeing.
    const at = new Date(c.clock.now);
    expect(
      await writeDeviceSends(
        c.tdb.db,
        handed[0]!.map((x) => ({ id: x.id, warningId: w.id, sent: { language: "zh" as const, sentAt: at } })),
      ),
    ).toEqual([]);
    const devices = await c.tdb.db.execute<{ device_id: string; status: string }>(sql`
      select device_id, status from deliveries where warning_id = ${w.id} and device_id is not null order by device_id`);
    expect(devices.map((d) => d.device_id).sort()).toEqual([...old, joiner].sort());
    expect(await countersMatch(c, w.id)).toBe(true);
  });

  it("a devices step whose hand-off throws writes its commands queued after it commits", async () => {
    const c = ctx();
    const VD = "150402003004";
    await addPerson(c.tdb.db, { area: VD });
    const speaker = await addDevice(c, "loudspeaker", VD);
    const w = await approvedUnplanned(c, VD);
    await continuePlans(
      c.tdb.db,
      () => c.clock.now,
      () => true,
      {
        onDeviceCommands: () => {
          throw new Error("hub gone");
        },
      },
    );
    const rows = await c.tdb.db.execute<{ status: string }>(
      sql`select status from deliveries where warning_id = ${w.id} and device_id = ${speaker}`,
    );
    expect(rows).toEqual([{ status: "queued" }]);
    expect(await c.tdb.db.execute(sql`select 1 from device_sends where warning_id = ${w.id}`)).toEqual([]);
  });
});
