// An Update speaks in its own words: red → orange must not keep "…发布暴雨红色预警" in the
// stored headline, the CAP document, the Atom feed, the device command or the SMS; and the
// update form previews 更新, not 发布. Everything through the public API and a real device.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { SONGSHAN, useContext, type TestContext } from "../helpers/context.js";
import { createIssued, finishPlans, json, warningBody } from "../helpers/factories.js";
import { parseXml, kid, kids } from "../../src/cap/xml.js";
import { rendererFor } from "../../src/templates/default.js";
import { createDevice, startHub, TestDevice, until, type RunningHub } from "../hub/harness.js";
import { ConsoleClient } from "../console/browser.js";

const ctx = useContext();
const RED = "赤峰市气象台发布暴雨红色预警";
const ORANGE_UPDATE = "赤峰市气象台更新暴雨橙色预警";
let hub: RunningHub;
let village: string;
const devices: TestDevice[] = [];

beforeAll(async () => {
  const c = ctx();
  hub = await startHub(c, { renderer: rendererFor(c.services) });
  const [v] = await c.tdb.db.execute<{ code: string }>(
    sql`select code from areas where kind = 'village' and code like '150402%' order by code limit 1`,
  );
  village = v!.code;
});
afterAll(async () => {
  for (const d of devices) d.close();
  await hub?.close();
});

async function approve(c: TestContext, id: string) {
  const r = await c.request("POST", `/api/v1/warnings/${id}/approve`, { key: c.users.approver.key });
  expect(r.status).toBe(200);
  await finishPlans(c); // what a runner's planner does after the commit
  return json(r);
}

const info = async (c: TestContext, id: string) => {
  const res = await c.request("GET", `/api/v1/warnings/${id}/cap`, { key: c.users.viewer.key });
  expect(res.status).toBe(200);
  return kid(parseXml(await res.text()), "info")!;
};

async function atomTitles(c: TestContext): Promise<Map<string, string>> {
  const root = parseXml(await (await c.app.request("/feeds/cap.atom")).text());
  const idOf = (href: string) => /cap\/([0-9a-f-]{36})\.xml$/.exec(href)![1]!;
  return new Map(kids(root, "entry").map((e) => [idOf(kid(e, "link")!.attrs.href!), kid(e, "title")!.text]));
}

const smsText = async (c: TestContext, id: string) =>
  (await json(await c.request("GET", `/api/v1/warnings/${id}/preview?channel=sms&language=zh`))).text as string;

describe("an Update red → orange", () => {
  it("says 更新…橙色 in headline, CAP, Atom, device command and SMS, even with the old headline sent back", async () => {
    const c = ctx();
    const ls = await createDevice(c, { kind: "loudspeaker", areaCode: village });
    const device = await TestDevice.online(hub.url, ls.token);
    devices.push(device);
    await until(async () => hub.hub.conns.get(ls.id)?.["ready"]);
    const body = { areas: { codes: [village] }, channels: ["sms", "loudspeaker"] };
    const v1 = await createIssued(c, { ...body, level: "red" });
    expect(v1.headline).toBe(RED);
    await device.next((f) => f.type === "command" && f.warning.id === v1.id);

    // The console's update form carries the old headline over; it is ours, not the issuer's.
    const u = await c.request("POST", `/api/v1/warnings/${v1.id}/update`, {
      key: c.users.issuer.key,
      json: warningBody(c, { ...body, level: "orange", headline: RED }),
    });
    expect(u.status).toBe(201);
    const v2 = await approve(c, (await json(u)).id);
    expect(v2).toMatchObject({ msgType: "Update", status: "issued", level: "orange", headline: ORANGE_UPDATE });

    const cap = await info(c, v2.id);
    expect(kid(cap, "headline")!.text).toBe(ORANGE_UPDATE);
    expect(kid(cap, "severity")!.text).toBe("Severe");

    const titles = await atomTitles(c);
    expect(titles.get(v2.id)).toBe(ORANGE_UPDATE);
    expect(titles.get(v1.id)).toBe(`${RED}（已更新）`);

    const play = await device.next((f) => f.type === "command" && f.warning.id === v2.id);
    expect(play).toMatchObject({ action: "play", warning: { level: "orange", headline: ORANGE_UPDATE } });
    expect(play.warning.text).toContain("赤峰市气象台更新暴雨橙色预警");
    expect(play.warning.text).not.toContain("红色");

    const sms = await smsText(c, v2.id);
    expect(sms).toContain("赤峰市气象台更新暴雨橙色预警[Ⅱ级/严重]");
    expect(sms).not.toContain("红色");
  });

  it("without a headline in the body, the Update derives one that says 更新", async () => {
    const c = ctx();
    const v1 = await createIssued(c, { level: "red" });
    const body = { key: c.users.issuer.key, json: warningBody(c, { level: "orange" }) };
    const u = await json(await c.request("POST", `/api/v1/warnings/${v1.id}/update`, body));
    expect(u).toMatchObject({ msgType: "Update", headline: ORANGE_UPDATE });
  });

  it("keeps a headline the issuer wrote", async () => {
    const c = ctx();
    const v1 = await createIssued(c, { level: "red" });
    const own = "红山区暴雨预警降级：仍需防范山洪";
    const body = { key: c.users.issuer.key, json: warningBody(c, { level: "orange", headline: own }) };
    const u = await json(await c.request("POST", `/api/v1/warnings/${v1.id}/update`, body));
    expect(u).toMatchObject({ msgType: "Update", headline: own });
  });
});

describe("the update form previews the Update", () => {
  it("POST /api/v1/warnings/preview?supersedes=<id> says 更新 and the new level; without it, 发布", async () => {
    const c = ctx();
    const v1 = await createIssued(c, { level: "red" });
    const json_ = warningBody(c, { level: "orange", headline: RED, channels: ["sms", "loudspeaker"] });
    const body = { key: c.users.issuer.key, json: json_ };
    const upd = await json(await c.request("POST", `/api/v1/warnings/preview?supersedes=${v1.id}`, body));
    const zh = (channel: string) => upd.items.find((i: any) => i.channel === channel && i.language === "zh").text;
    expect(zh("sms")).toContain("赤峰市气象台更新暴雨橙色预警");
    expect(zh("loudspeaker")).toContain("赤峰市气象台更新暴雨橙色预警");
    const fresh = await json(await c.request("POST", "/api/v1/warnings/preview", body));
    expect(fresh.items[0].text).toContain("赤峰市气象台发布暴雨橙色预警");
    const bad = await c.request("POST", "/api/v1/warnings/preview?supersedes=nope", body);
    expect(bad.status).toBe(422);
    // Another county may not preview an update of this warning, even with a body of its own.
    const theirs = {
      key: c.users.songshanIssuer.key,
      json: warningBody(c, { level: "orange", areas: { codes: [SONGSHAN] } }),
    };
    expect((await c.request("POST", "/api/v1/warnings/preview", theirs)).status).toBe(200);
    const other = await c.request("POST", `/api/v1/warnings/preview?supersedes=${v1.id}`, theirs);
    expect(other.status).toBe(403);
  });

  it("the console's update form leaves a derived headline blank and its preview says 更新", async () => {
    const c = ctx();
    const v1 = await createIssued(c, { level: "red", channels: ["sms"] });
    const b = new ConsoleClient(c);
    const csrf = await b.signIn(c.users.issuer);
    const form = await (await b.req("GET", `/compose?from=${v1.id}`)).text();
    expect(form).toMatch(/<input id="headline" name="headline" value=""/);
    const preview = await b.req("POST", `/compose/preview?from=${v1.id}`, {
      headers: { "content-type": "application/json", "x-csrf-token": csrf },
      body: JSON.stringify(warningBody(c, { level: "orange", channels: ["sms"] })),
    });
    expect(preview.status).toBe(200);
    expect((await json(preview)).items[0].text).toContain("赤峰市气象台更新暴雨橙色预警");
  });
});
