// The deliveries NOTIFY names the lanes a writer wrote and whether it wrote only people's
// rows; a device hub reads nothing for a county of people planned after the issue, and only
// its devices in the named lanes otherwise.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { sql } from "drizzle-orm";
import { useContext } from "../helpers/context.js";
import { createDevice, startHub, TestDevice, type RunningHub } from "./harness.js";
import { createIssued } from "../helpers/factories.js";
import { DELIVERIES_CHANNEL, deliveriesPayload, parseDeliveriesPayload } from "../../src/dispatch/notify.js";

const ctx = useContext();
let hub: RunningHub;
beforeAll(async () => {
  // No catch-up round during the test: every deliver() comes from a notice.
  hub = await startHub(ctx(), { catchUpMs: 3_600_000 });
});
afterAll(async () => {
  await hub?.close();
});

describe("the deliveries notice", () => {
  it("round-trips its payload; an old or odd payload reads as any lane, any target", () => {
    const w = crypto.randomUUID();
    const n = { warningId: w, lanes: ["150402", "150403"], peopleOnly: true };
    expect(deliveriesPayload(n)).toBe(`${w};lanes=150402,150403;people`);
    expect(parseDeliveriesPayload(deliveriesPayload(n))).toEqual(n);
    expect(parseDeliveriesPayload(w)).toEqual({ warningId: w, lanes: null, peopleOnly: false });
    expect(parseDeliveriesPayload(`${w};lanes=;what`)).toEqual({ warningId: w, lanes: null, peopleOnly: false });
  });

  it("a hub ignores a people-only notice and reads on any other", async () => {
    const c = ctx();
    const deliver = vi.spyOn(hub.hub, "deliver");
    const w = crypto.randomUUID();
    const notify = (channel: string, p: string) => c.tdb.db.execute(sql`select pg_notify(${channel}, ${p})`);
    // A sentinel on the hub's own LISTEN connection: notices reach it in commit order, so
    // once the sentinel is seen the notice before it has been handled.
    const seen: string[] = [];
    const { unlisten } = await hub.sql.listen("warncast_test_sentinel", (p) => {
      seen.push(p);
    });
    try {
      await notify(DELIVERIES_CHANNEL, deliveriesPayload({ warningId: w, lanes: ["150402"], peopleOnly: true }));
      await notify("warncast_test_sentinel", "1");
      await vi.waitUntil(() => seen.includes("1"), { timeout: 10_000 });
      expect(deliver).not.toHaveBeenCalled();
      await notify(DELIVERIES_CHANNEL, deliveriesPayload({ warningId: w, lanes: ["150402"], peopleOnly: false }));
      await notify("warncast_test_sentinel", "2");
      await vi.waitUntil(() => seen.includes("2"), { timeout: 10_000 });
      expect(deliver).toHaveBeenCalledTimes(1);
    } finally {
      await unlisten();
      deliver.mockRestore();
    }
  });

  it("a hub reads only its devices in the lanes a notice names; an issue names every targeted county", async () => {
    const c = ctx();
    const A = "150402002001"; // 红山区
    const B = "150404001001"; // 松山区
    const [a, b] = [
      await createDevice(c, { kind: "loudspeaker", areaCode: A }),
      await createDevice(c, { kind: "loudspeaker", areaCode: B }),
    ];
    const devices = [await TestDevice.online(hub.url, a.token), await TestDevice.online(hub.url, b.token)];
    try {
      await vi.waitUntil(() => hub.hub.conns.get(a.id)?.ready && hub.hub.conns.get(b.id)?.ready, { timeout: 10_000 });
      const delivery = (
        hub.hub as unknown as {
          delivery: { sendQueued(ids: string[], lanes: string[] | null, warnings: string[] | null): Promise<void> };
        }
      ).delivery;
      const reads = vi.spyOn(delivery, "sendQueued");
      await c.tdb.db.execute(
        sql`select pg_notify(${DELIVERIES_CHANNEL}, ${deliveriesPayload({ warningId: crypto.randomUUID(), lanes: ["150404"], peopleOnly: false })})`,
      );
      await vi.waitUntil(() => reads.mock.calls.some(([, lanes]) => lanes?.join() === "150404"), { timeout: 10_000 });
      const [ids] = reads.mock.calls.find(([, lanes]) => lanes?.join() === "150404")!;
      expect(ids).toEqual([b.id]);

      // No catch-up round runs: only the notice can bring these commands.
      const w = await createIssued(c, { level: "red", areas: { codes: [A, B] }, channels: ["loudspeaker"] });
      for (const d of devices) expect((await d.next((f) => f.type === "command")).warning.id).toBe(w.id);
      // The notice names the warning: its commands are read by warning, not by the
      // list of every device connected here.
      expect(reads.mock.calls.some(([, lanes, ws]) => lanes?.join() === "150402,150404" && ws?.join() === w.id)).toBe(
        true,
      );
      reads.mockRestore();
    } finally {
      for (const d of devices) d.close();
    }
  });
});
