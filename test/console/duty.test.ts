// The duty officer's pages over app.request: the approval card says what is approved, both
// approve and cancel take a confirming step, cancel needs a reason, the board counts per
// channel with failures by reason, and the 叫应 worklist names people and records a
// confirmation given by phone.
import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { useContext } from "../helpers/context.js";
import { createDraft, createIssued, json } from "../helpers/factories.js";
import { addDevice, addPerson } from "../helpers/people.js";
import { ConsoleClient } from "./browser.js";
import { escalationJob } from "../../src/jobs/escalation.js";
import { dispatch, minutes, runAt } from "../jobs/helpers.js";

const ctx = useContext();
const VILLAGE = "150402001001";
const text = (html: string) => html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");

describe("approval card and confirmations", () => {
  it("names areas, population, people, channels with counts, Beijing times, author, agency and SMS", async () => {
    const c = ctx();
    await addPerson(c.tdb.db, { area: VILLAGE, name: "张卡片", email: "card@example.cn" });
    await addDevice(c.tdb.db, { area: VILLAGE });
    const d = await createDraft(c, {
      level: "orange",
      areas: { codes: [VILLAGE] },
      channels: ["sms", "loudspeaker"],
      onset: "2030-05-03T06:30:00Z",
      expires: "2030-05-03T15:45:00Z",
    });
    expect((await c.request("POST", `/api/v1/warnings/${d.id}/submit`, { key: c.users.issuer.key })).status).toBe(200);
    const b = new ConsoleClient(c);
    await b.signIn(c.users.approver);
    const html = await (await b.req("GET", "/approvals")).text();
    const from = html.indexOf(`data-id="${d.id}"`);
    const card = text(html.slice(from, html.indexOf("</form>", html.indexOf("confirm-reject", from))));
    const village = await json(await c.request("GET", `/api/v1/areas/${VILLAGE}`));
    expect(card).toContain(village.name);
    expect(card).toContain(VILLAGE);
    expect(card).toMatch(/人口 [\d,]+ 人 · 1 个嘎查村/);
    expect(card).toMatch(/短信： ?[\d,]+ 人/);
    expect(card).toMatch(/应急广播大喇叭： ?[1-9]\d* 台（在线 0）/);
    expect(card).toContain("2030-05-03 14:30"); // onset, +08:00
    expect(card).toContain("2030-05-03 23:45"); // expiry, 24-hour
    expect(card).toContain("北京时间");
    const [author] = await c.tdb.db.execute<{ name: string }>(
      sql`select name from users where id = ${c.users.issuer.id}`,
    );
    expect(card).toContain(author!.name);
    expect(card).toContain("赤峰市气象台");
    expect(card).toContain("【赤峰市气象局】");
    // Approving is a second step: the button that posts sits inside a closed <details>.
    expect(html.slice(from)).toMatch(
      /<details class="confirm approve-step"><summary[^>]*>批准…<\/summary><form method="post" action="\/warnings\/[^"]+\/approve">/,
    );
  });

  it("cancel from the console needs a reason; the all-clear's board shows its own progress and no update", async () => {
    const c = ctx();
    const w = await createIssued(c, { areas: { codes: [VILLAGE] }, channels: ["sms"] });
    const b = new ConsoleClient(c);
    const csrf = await b.signIn(c.users.issuer);
    const board = await (await b.req("GET", `/warnings/${w.id}`)).text();
    expect(board).toMatch(/<details class="confirm cancel-step" id="cancel-step">/);
    expect(board).toMatch(/<textarea id="cancel-reason" name="reason" required/);
    expect(board).toContain('id="update"');
    const refused = await b.req("POST", `/warnings/${w.id}/cancel`, { form: { _csrf: csrf, reason: "  " } });
    expect(decodeURIComponent(refused.headers.get("location")!)).toContain("请填写解除理由");
    expect((await json(await c.request("GET", `/api/v1/warnings/${w.id}`))).status).toBe("issued");
    const done = await b.req("POST", `/warnings/${w.id}/cancel`, { form: { _csrf: csrf, reason: "大风已减弱" } });
    const cancelId = /\/warnings\/([0-9a-f-]{36})/.exec(done.headers.get("location")!)![1]!;
    expect(await json(await c.request("GET", `/api/v1/warnings/${cancelId}`))).toMatchObject({
      msgType: "Cancel",
      description: "大风已减弱",
    });
    const cb = await (await b.req("GET", `/warnings/${cancelId}`)).text();
    expect(cb).toContain("解除通知的发送进度");
    expect(cb).toContain('class="rate neutral"');
    expect(cb).not.toContain('id="update"');
    expect(cb).not.toContain("cancel-step");
  });
});

describe("board and 叫应 worklist", () => {
  it("counts per channel, groups failures by reason with a drill-down, lists 叫应 with names and times", async () => {
    const c = ctx();
    const V = "150402001002";
    const db = c.tdb.db;
    await addPerson(db, { area: V, name: "无号码", phone: null });
    await addPerson(db, {
      area: V,
      name: "王信息员",
      phone: "+8613800001111",
      audiences: ["info_officer"],
      role: "primary",
    });
    await addPerson(db, {
      area: V,
      name: "李备岗",
      phone: "+8613800002222",
      audiences: ["info_officer"],
      role: "backup",
    });
    await addDevice(db, { area: V });
    const w = await createIssued(c, {
      level: "red",
      areas: { codes: [V] },
      channels: ["sms", "loudspeaker"],
      audiences: ["public", "info_officer"],
    });
    // The loudspeaker is offline: its village's chain starts at once (DESIGN §8).
    await runAt(c, escalationJob, minutes(new Date(w.issuedAt), 1));
    const b = new ConsoleClient(c);
    const csrf = await b.signIn(c.users.issuer);
    const html = await (await b.req("GET", `/warnings/${w.id}`)).text();
    const channels = html.slice(html.indexOf('id="channels"'), html.indexOf("</table>", html.indexOf('id="channels"')));
    expect(channels).toMatch(/<tr data-channel="sms" class="has-failed">/);
    expect(text(channels)).toContain("目标");
    expect(text(channels)).toContain("已播放");
    expect(html).toContain('data-code="no_address"');
    expect(text(html)).toContain("无联系方式");
    const drill = await (await b.req("GET", `/warnings/${w.id}/failed?channel=sms`)).text();
    expect(drill).toContain("无联系方式");
    expect(html).toContain('id="offline"');
    const work = text(html.slice(html.indexOf('id="worklist"')));
    expect(work).toContain("王信息员");
    expect(work).toContain("+8613800001111");
    expect(work).toContain("①通知A角");
    expect(work).toContain("大喇叭离线");
    expect(work).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d/);
    const [delivery] = await db.execute<{ id: string }>(sql`
      select d.id from deliveries d join recipients r on r.id = d.recipient_id
      where d.warning_id = ${w.id} and r.name = '王信息员' and d.channel = 'sms'`);
    const ack = await b.req("POST", `/warnings/${w.id}/ack/${delivery!.id}`, { form: { _csrf: csrf } });
    expect(ack.status).toBe(303);
    const [audit] = await db.execute<{ n: number }>(sql`
      select count(*)::int as n from audit_log where action = 'delivery.acknowledge' and subject_id = ${delivery!.id}`);
    expect(audit!.n).toBe(1);
    await runAt(c, escalationJob, minutes(new Date(w.issuedAt), 2));
    const after = text(await (await b.req("GET", `/warnings/${w.id}`)).text());
    expect(after.slice(after.indexOf("叫应清单"))).toMatch(/已确认 \d\d:\d\d:\d\d/);
  });
});

describe("people and devices", () => {
  it("people are searched by name, phone or area and paged; a device is registered (token once), revoked", async () => {
    const c = ctx();
    const V = "150402001003";
    for (let i = 0; i < 105; i++)
      await addPerson(c.tdb.db, { area: V, name: `翻页${i}`, phone: `+86139000${String(i).padStart(5, "0")}` });
    const b = new ConsoleClient(c);
    const csrf = await b.signIn(c.users.issuer);
    const first = await (await b.req("GET", `/people?area=${V}`)).text();
    const next = /id="next-page" href="([^"]+)"|href="([^"]+)" id="next-page"/.exec(first);
    expect(next).not.toBeNull();
    const second = await (await b.req("GET", (next![1] ?? next![2]!).replaceAll("&amp;", "&"))).text();
    expect(second).toContain("第一页");
    expect(second).not.toContain(/<td>(翻页\d+)<\/td>/.exec(first)![1]! + "<");
    expect(await (await b.req("GET", `/people?area=${V}&q=${encodeURIComponent("翻页104")}`)).text()).toContain(
      "<td>翻页104</td>",
    );
    expect(await (await b.req("GET", `/people?area=${V}&q=13900000007`)).text()).toContain("<td>翻页7</td>");
    const village = await json(await c.request("GET", `/api/v1/areas/${V}`));
    const byArea = await (await b.req("GET", `/people?area=150402000000&q=${encodeURIComponent(village.name)}`)).text();
    expect(byArea).toContain("翻页");
    const reg = await b.req("POST", "/devices", {
      form: { _csrf: csrf, kind: "loudspeaker", areaCode: V, name: "新大喇叭", reach: "300" },
    });
    expect(reg.status).toBe(201);
    const html = await reg.text();
    const token = /<code id="token">([^<]+)<\/code>/.exec(html)![1]!;
    expect(token.length).toBeGreaterThan(20);
    expect(await (await b.req("GET", `/devices?area=${V}`)).text()).not.toContain(token);
    // The offline filter asks the API for the silent ones, however many devices the area has.
    const offline = await (await b.req("GET", `/devices?area=${V}&state=offline`)).text();
    expect(offline).toContain("新大喇叭");
    expect(offline).toMatch(/id="filter-offline"[^>]*>\s*离线 1/);
    const bad = await b.req("POST", "/devices", {
      form: { _csrf: csrf, kind: "loudspeaker", areaCode: "150402000000", name: "x" },
    });
    expect(await bad.text()).toContain("设备须登记在嘎查村或网格");
    const list = await json(await c.request("GET", `/api/v1/devices?area=${V}`));
    const id = list.items.find((d: { name: string }) => d.name === "新大喇叭").id;
    expect((await b.req("POST", `/devices/${id}/revoke`, { form: { _csrf: csrf } })).status).toBe(303);
    expect(
      (await json(await c.request("GET", `/api/v1/devices?area=${V}`))).items.find((d: { id: string }) => d.id === id)
        .revoked,
    ).toBe(true);
  });
});

describe("devices, 100 a page", () => {
  it("pages an area's devices, offline first on each page, with a way back to the first page", async () => {
    const c = ctx();
    const V = "150402001004";
    for (let i = 0; i < 105; i++) await addDevice(c.tdb.db, { area: V });
    const b = new ConsoleClient(c);
    await b.signIn(c.users.viewer);
    const rows = (html: string) => (html.match(/<tr[^>]*>\s*<td>device \d+/g) ?? []).length;
    const first = await (await b.req("GET", `/devices?area=${V}`)).text();
    expect(rows(first)).toBe(100);
    expect(first).not.toContain('id="devices-first-page"');
    const next = /href="([^"]+)" id="devices-next-page"/.exec(first);
    expect(next).not.toBeNull();
    const second = await (await b.req("GET", next![1]!.replaceAll("&amp;", "&"))).text();
    expect(rows(second)).toBe(5);
    expect(second).toContain('id="devices-first-page"');
    expect(second).not.toContain('id="devices-next-page"');
    // The offline count is the whole area's, not the page's.
    expect(second).toMatch(/id="filter-offline"[^>]*>\s*离线 105/);
  });
});

describe("the demo's resident's phone", () => {
  it("shows a synthetic number's SMS and simulates the reply 1 that acknowledges it; never a real number", async () => {
    const c = ctx();
    const db = c.tdb.db;
    const V = "150402001004";
    const demo = await addPerson(db, {
      area: V,
      name: "演示信息员",
      phone: "+8610099990001",
      audiences: ["info_officer"],
      role: "primary",
    });
    await db.execute(sql`update recipients set synthetic = true where id = ${demo}`);
    await addPerson(db, { area: V, name: "真实居民", phone: "+8613899990002" });
    const w = await createIssued(c, {
      level: "red",
      areas: { codes: [V] },
      channels: ["sms"],
      audiences: ["public", "info_officer"],
    });
    await dispatch(c, "sms", new Date(w.issuedAt));
    const b = new ConsoleClient(c);
    const csrf = await b.signIn(c.users.issuer);
    const page = await (await b.req("GET", "/demo/phone?number=%2B8610099990001")).text();
    expect(page).toContain("演示信息员");
    expect(page).toContain("【赤峰市气象局】");
    const id = /data-delivery="(\d+)"/.exec(page)![1]!;
    const reply = await b.req("POST", `/demo/phone/reply/${id}`, { form: { _csrf: csrf, number: "+8610099990001" } });
    expect(reply.status).toBe(303);
    const [d] = await db.execute<{ status: string }>(sql`select status from deliveries where id = ${Number(id)}`);
    expect(d!.status).toBe("acknowledged");
    const real = await (await b.req("GET", "/demo/phone?number=%2B8613899990002")).text();
    expect(real).toContain("不是演示号码");
    expect(real).not.toContain("data-delivery=");
  });
});
