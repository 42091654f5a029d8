// Live delivery sends a command's frame first and records it `sent` after. A device can
// answer `received` before that record commits; its ack must then wait for it, or the
// ack would meet a queued row (queued → delivered is no move) and the row would stay
// `sent` though the loudspeaker had the command. The record is held back here until the
// ack is in the hub, which is the order a slow database produces.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { sql } from "drizzle-orm";
import { useContext } from "../helpers/context.js";
import { createIssued } from "../helpers/factories.js";
import { createDevice, startHub, TestDevice, until, type RunningHub } from "./harness.js";

const gate = vi.hoisted(() => {
  let open!: () => void;
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return { opened, open, held: 0, ackApplied: 0 };
});
vi.mock("../../src/deliveries/device-commands.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../src/deliveries/device-commands.js")>();
  return {
    ...real,
    markDeviceCommandsSent: async (...args: Parameters<typeof real.markDeviceCommandsSent>) => {
      gate.held++;
      await gate.opened;
      return real.markDeviceCommandsSent(...args);
    },
  };
});
vi.mock("../../src/deliveries/reports.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../src/deliveries/reports.js")>();
  return {
    ...real,
    applyDeliveryReports: async (...args: Parameters<typeof real.applyDeliveryReports>) => {
      gate.ackApplied++;
      return real.applyDeliveryReports(...args);
    },
  };
});

const ctx = useContext();
let hub: RunningHub;
const clients: TestDevice[] = [];
beforeAll(async () => {
  hub = await startHub(ctx());
});
afterAll(async () => {
  for (const d of clients) d.close();
  await hub?.close();
});

describe("an ack that overtakes the record of its command", () => {
  it("is applied after the command is recorded sent: the row ends delivered, counted once", async () => {
    const c = ctx();
    const [v] = await c.tdb.db.execute<{ code: string }>(
      sql`select code from areas where kind = 'village' and code like '150422%' order by code limit 1`,
    );
    const ls = await createDevice(c, { kind: "loudspeaker", areaCode: v!.code });
    const d = await TestDevice.online(hub.url, ls.token);
    clients.push(d);
    await until(async () => hub.hub.conns.get(ls.id)?.["ready"]);
    await createIssued(c, { areas: { codes: [v!.code] }, channels: ["loudspeaker"], level: "red" });
    const cmd = await d.next((f) => f.type === "command", 10_000);
    d.send({ type: "ack", id: cmd.id, state: "received", at: new Date().toISOString() });
    const status = async () =>
      (await c.tdb.db.execute<{ status: string }>(sql`select status from deliveries where id = ${cmd.id}`))[0]!.status;
    // The frame is out while its record is held: the row is still queued, and the ack
    // must not be applied now (a bounded wait: the hub batches acks for 20 ms).
    await until(async () => gate.held > 0);
    expect(await status()).toBe("queued");
    await until(async () => gate.ackApplied > 0, 1_000).catch(() => {});
    expect(gate.ackApplied).toBe(0);
    gate.open();
    await until(async () => (await status()) === "delivered");
    const [cov] = await c.tdb.db.execute<{ sent: number; delivered: number }>(
      sql`select sum(sent)::int as sent, sum(delivered)::int as delivered from coverage_counts
          where warning_id = (select warning_id from deliveries where id = ${cmd.id}) and channel = 'loudspeaker'`,
    );
    expect(cov).toEqual({ sent: 1, delivered: 1 });
  });
});
