import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { useContext } from "../helpers/context.js";
import { createIssued, json } from "../helpers/factories.js";
import { createDevice, startHub, TestDevice, until, type RunningHub } from "./harness.js";

const ctx = useContext();
let a: RunningHub;
let b: RunningHub;
let villages: string[] = [];
const clients: TestDevice[] = [];

beforeAll(async () => {
  const c = ctx();
  [a, b] = [await startHub(c), await startHub(c)];
  const rows = await c.tdb.db.execute<{ code: string }>(
    sql`select code from areas where kind = 'village' and code like '150423%' order by code limit 4`,
  );
  villages = rows.map((r) => r.code);
});
afterAll(async () => {
  for (const d of clients) d.close();
  await a?.close();
  await b?.close();
});

describe("several instances", () => {
  it("a warning issued through instance A reaches devices connected to instance B, each sent once", async () => {
    const c = ctx();
    const [v1, v2] = villages as [string, string];
    const onA = await createDevice(c, { kind: "loudspeaker", areaCode: v1 });
    const onB = await createDevice(c, { kind: "loudspeaker", areaCode: v2 });
    const da = await TestDevice.online(a.url, onA.token);
    const db = await TestDevice.online(b.url, onB.token);
    clients.push(da, db);
    await until(async () => a.hub.conns.get(onA.id)?.ready && b.hub.conns.get(onB.id)?.ready);
    // Issued through A's HTTP API (the app behind A's server).
    const base = a.url.replace("ws://", "http://").replace("/ws/devices", "");
    const draft = await json(
      await c.request("POST", "/api/v1/warnings", {
        key: c.users.issuer.key,
        json: {
          type: "gale",
          level: "red",
          description: "阵风10级",
          areas: { codes: [v1, v2] },
          audiences: ["public"],
          channels: ["loudspeaker"],
          expires: new Date(Date.now() + 3600_000).toISOString(),
        },
      }),
    );
    await fetch(`${base}/api/v1/warnings/${draft.id}/submit`, {
      method: "POST",
      headers: { authorization: `Bearer ${c.users.issuer.key}` },
    });
    const r = await fetch(`${base}/api/v1/warnings/${draft.id}/approve`, {
      method: "POST",
      headers: { authorization: `Bearer ${c.users.approver.key}` },
    });
    expect(r.status).toBe(200);
    const ca = await da.next((f) => f.type === "command", 10_000);
    const cb = await db.next((f) => f.type === "command", 10_000);
    expect([ca.warning.id, cb.warning.id]).toEqual([draft.id, draft.id]);
    await Promise.all([a.hub.deliver(), b.hub.deliver()]);
    await new Promise((res) => setTimeout(res, 200));
    expect([da.commands().length, db.commands().length]).toEqual([0, 0]);
  });
});

describe("silent villages", () => {
  it("lists targeted villages with no loudspeaker online, and drops a village once its loudspeaker connects", async () => {
    const c = ctx();
    const [v1, v2] = villages.slice(2) as [string, string];
    const ls = await createDevice(c, { kind: "loudspeaker", areaCode: v1 });
    await createDevice(c, { kind: "display", areaCode: v2 }); // a display does not make a village heard
    const w = await createIssued(c, { areas: { codes: [v1, v2] }, channels: ["loudspeaker", "display"], level: "red" });
    const silent = async () => json(await c.request("GET", `/api/v1/warnings/${w.id}/silent-villages`));
    const before = await silent();
    expect(before.active).toBe(true);
    expect(before.items).toEqual([
      { villageCode: v1, name: expect.any(String), loudspeakers: 1, lastSeen: null },
      { villageCode: v2, name: expect.any(String), loudspeakers: 0, lastSeen: null },
    ]);
    const d = await TestDevice.online(a.url, ls.token);
    clients.push(d);
    await until(async () => (await silent()).items.length === 1);
    expect((await silent()).items.map((i: any) => i.villageCode)).toEqual([v2]);
    expect((await c.request("GET", `/api/v1/warnings/${w.id}/silent-villages`, { key: null })).status).toBe(401);
  });
});
