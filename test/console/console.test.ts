import { describe, expect, it } from "vitest";
import { useContext } from "../helpers/context.js";
import { createDraft, createIssued, inHours, json } from "../helpers/factories.js";
import { addPerson } from "../helpers/people.js";
import { ConsoleClient } from "./browser.js";
import { createUser, passwordFor } from "../helpers/accounts.js";
import { THROTTLE, throttleKey } from "../../src/domain/sign-in-throttle.js";
import { recordFailure } from "../../src/db/queries/sign-in-throttle.js";
import { CONSOLE_CSP } from "../../src/console/index.js";

const ctx = useContext();
/** An instant as the datetime-local value a browser in Asia/Shanghai would send. */
const shanghai = (iso: string) => new Date(new Date(iso).getTime() + 8 * 3600_000).toISOString().slice(0, 16);
const HONGSHAN = "150402000000";

describe("sign-in and sessions", () => {
  it("without a session every page redirects to sign-in, keeping where you were going", async () => {
    const b = new ConsoleClient(ctx());
    for (const path of [
      "/warnings",
      "/compose",
      "/approvals",
      "/devices",
      "/people",
      "/warnings/00000000-0000-4000-8000-000000000000",
    ]) {
      const res = await b.req("GET", path);
      expect(res.status, path).toBe(302);
      expect(res.headers.get("location")).toBe(`/login?next=${encodeURIComponent(path)}`);
    }
    expect((await b.req("POST", "/compose", { form: { type: "rainstorm" } })).status).toBe(401);
  });

  it("signs in by username and password into an HttpOnly SameSite=Strict cookie; bad passwords, forged tokens refused", async () => {
    const c = ctx();
    const password = await passwordFor(c, c.users.issuer);
    const b = new ConsoleClient(c);
    const page = await b.req("GET", "/login");
    expect(page.headers.get("content-security-policy")).toBe(CONSOLE_CSP);
    const html = await page.text();
    expect(html).toContain('name="username"');
    expect(html).not.toContain('name="key"');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    const forged = { _csrf: "forged-token-forged-token", username: "issuer", password };
    expect((await b.req("POST", "/login", { form: forged })).status).toBe(403);
    const bad = await b.req("POST", "/login", { form: { _csrf: csrf, username: "issuer", password: "not it at all" } });
    expect(bad.status).toBe(401);
    expect(await bad.text()).toContain("用户名或密码错误");
    // An API key is not a password: key sign-in is gone from the console.
    expect((await b.req("POST", "/login", { form: { _csrf: csrf, key: c.users.issuer.key } })).status).toBe(401);
    const ok = await b.req("POST", "/login", { form: { _csrf: csrf, username: "Issuer", password, next: "/compose" } });
    expect(ok.status).toBe(303);
    expect(ok.headers.get("location")).toBe("/compose");
    const cookie = ok.headers.getSetCookie().find((x) => x.startsWith("wc_session="))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toContain("wcs_"); // sealed, not readable
    expect((await b.req("GET", "/warnings")).status).toBe(200);
    // A tampered cookie is no session.
    // Flip a character inside the ciphertext: the last base64 character may carry only
    // padding bits, and changing those changes no byte at all.
    const sealed = b.cookies.get("wc_session")!;
    const at = sealed.indexOf(".") + 5;
    b.cookies.set("wc_session", sealed.slice(0, at) + (sealed[at] === "A" ? "B" : "A") + sealed.slice(at + 1));
    expect((await b.req("GET", "/warnings")).status).toBe(302);
  });

  it("an unknown username gets exactly the answer a wrong password gets", async () => {
    const c = ctx();
    await passwordFor(c, c.users.viewer);
    const answer = async (username: string) => {
      const b = new ConsoleClient(c);
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await (await b.req("GET", "/login")).text())![1]!;
      const form = { _csrf: csrf, username, password: "wrong wrong wrong" };
      const res = await b.req("POST", "/login", { form, headers: { "cf-connecting-ip": "10.9.0.1" } });
      const body = (await res.text()).replaceAll(username, "NAME").replace(/value="[^"]{20,}"/g, "");
      return { status: res.status, body };
    };
    expect(await answer("nobody-here")).toEqual(await answer("viewer"));
  });

  it("a session ends when the user is disabled, when the password changes, and at sign-out", async () => {
    const c = ctx();
    const leave = async (b: ConsoleClient) => {
      const res = await b.req("GET", "/warnings");
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toBe("/login");
      expect(b.cookies.has("wc_session")).toBe(false);
    };
    const disabled = await createUser(c, { role: "viewer" });
    const b1 = new ConsoleClient(c);
    await b1.signIn(disabled);
    expect((await b1.req("GET", "/warnings")).status).toBe(200);
    await c.request("PATCH", `/api/v1/users/${disabled.id}`, { json: { active: false } });
    await leave(b1);

    const changed = await createUser(c, { role: "viewer" });
    const b2 = new ConsoleClient(c);
    await b2.signIn(changed);
    await c.request("PATCH", `/api/v1/users/${changed.id}`, { json: { password: "a brand new passphrase" } });
    await leave(b2);
    await expect(new ConsoleClient(c).signIn(changed)).rejects.toThrow(/401/); // the old password is gone

    const b3 = new ConsoleClient(c);
    const token = await b3.signIn(c.users.approver);
    const kept = b3.cookies.get("wc_session")!;
    expect((await b3.req("POST", "/logout", { form: { _csrf: token } })).status).toBe(303);
    // Replaying the signed-out cookie is no session: sign-out ended it on the server.
    b3.cookies.set("wc_session", kept);
    await leave(b3);
  });

  it("failed sign-ins wait longer and longer, per username and per address, known or not", async () => {
    const c = ctx();
    const password = await passwordFor(c, c.users.approver2);
    const b = new ConsoleClient(c);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await (await b.req("GET", "/login")).text())![1]!;
    const tryOnce = (username: string, pw: string, ip = "10.1.1.1") =>
      b.req("POST", "/login", { form: { _csrf: csrf, username, password: pw }, headers: { "cf-connecting-ip": ip } });
    for (const name of ["approver2", "ghost-user"]) {
      for (let i = 0; i < THROTTLE.free.user; i++) expect((await tryOnce(name, "wrong guess 123")).status).toBe(401);
      // Blocked even with the right password and from another address: the name is throttled.
      const blocked = await tryOnce(name, name === "approver2" ? password : "x", "10.1.1.2");
      expect([blocked.status, blocked.headers.get("retry-after")]).toEqual([429, "1"]);
      c.clock.advance(1_000);
      expect((await tryOnce(name, "wrong again 123")).status).toBe(401);
      const longer = await tryOnce(name, "x");
      expect([longer.status, longer.headers.get("retry-after")]).toEqual([429, "2"]);
      c.clock.advance(2_000);
    }
    expect((await tryOnce("approver2", password)).status).toBe(303);
    // One address spraying many names is stopped though no single name failed often.
    // (The first failures are recorded directly: each real one costs a full scrypt.)
    const spray = "10.66.0.1";
    for (let i = 1; i < THROTTLE.free.addr; i++) {
      await recordFailure(c.tdb.db, "addr", throttleKey("addr", spray), c.clock.now);
    }
    expect((await tryOnce("name0", "spray spray 1", spray)).status).toBe(401);
    expect((await tryOnce("viewer", "anything at all", spray)).status).toBe(429);
    expect((await tryOnce("viewer", "anything at all", "10.66.0.2")).status).toBe(401);
  }, 60_000);

  it("refuses a state-changing request with a missing or forged CSRF token and changes nothing", async () => {
    const b = new ConsoleClient(ctx());
    await b.signIn(ctx().users.issuer);
    const w = await createDraft(ctx(), { areas: { codes: [HONGSHAN] } });
    for (const token of [undefined, "x".repeat(32)]) {
      const res = await b.req("POST", `/warnings/${w.id}/submit`, { form: token ? { _csrf: token } : {} });
      expect(res.status).toBe(403);
    }
    expect((await json(await ctx().request("GET", `/api/v1/warnings/${w.id}`))).status).toBe("draft");
    const good = await b.req("POST", `/warnings/${w.id}/submit`, { form: { _csrf: await b.csrf() } });
    expect(good.status).toBe(303);
    expect((await json(await ctx().request("GET", `/api/v1/warnings/${w.id}`))).status).toBe("pending");
  });
});

describe("compose, approve, board", () => {
  it("a disallowed level comes back with the API's error next to the level field; a valid one is created and submitted", async () => {
    const b = new ConsoleClient(ctx());
    const csrf = await b.signIn(ctx().users.issuer);
    const base = {
      _csrf: csrf,
      description: "预计未来6小时红山区将出现50毫米以上降雨。",
      instruction: "注意防范。",
      areas: [HONGSHAN],
      audiences: ["public"],
      channels: ["sms", "display"],
      expires: shanghai(inHours(ctx(), 6)),
      action: "submit",
    };
    const refused = await b.req("POST", "/compose", { form: { ...base, type: "drought", level: "blue" } });
    expect(refused.status).toBe(422);
    const html = await refused.text();
    expect(html).toMatch(/<p class="field-error" data-field="level">[^<]+<\/p>/);
    expect(html).toContain('value="drought" selected');
    const ok = await b.req("POST", "/compose", { form: { ...base, type: "rainstorm", level: "red" } });
    expect(ok.status).toBe(303);
    const id = /\/warnings\/([0-9a-f-]{36})/.exec(ok.headers.get("location")!)![1]!;
    expect((await json(await ctx().request("GET", `/api/v1/warnings/${id}`))).status).toBe("pending");
  });

  it("update from the board: the form comes filled in, and saving makes a pending new version; cancel issues a Cancel", async () => {
    const w = await createIssued(ctx(), { areas: { codes: [HONGSHAN] }, channels: ["sms"], description: "原始内容" });
    const b = new ConsoleClient(ctx());
    const csrf = await b.signIn(ctx().users.issuer);
    const board = await (await b.req("GET", `/warnings/${w.id}`)).text();
    expect(board).toContain(`href="/compose?from=${w.id}"`);
    const form = await (await b.req("GET", `/compose?from=${w.id}`)).text();
    expect(form).toContain(`name="from" value="${w.id}"`);
    expect(form).toContain("原始内容");
    expect(form).toContain(`data-code="${HONGSHAN}"`);
    const saved = await b.req("POST", "/compose", {
      form: {
        _csrf: csrf,
        from: w.id,
        type: w.type,
        level: "orange",
        description: "降雨加强",
        areas: [HONGSHAN],
        audiences: ["public"],
        channels: ["sms"],
        expires: shanghai(inHours(ctx(), 6)),
        channelsTouched: "1",
      },
    });
    expect(saved.status).toBe(303);
    const next = /\/warnings\/([0-9a-f-]{36})/.exec(saved.headers.get("location")!)![1]!;
    expect(next).not.toBe(w.id);
    expect(await json(await ctx().request("GET", `/api/v1/warnings/${next}`))).toMatchObject({
      status: "pending",
      msgType: "Update",
      level: "orange",
      description: "降雨加强",
    });

    // Updating the old version again is refused: the form says why, in Chinese, naming the newer one.
    const again = await b.req("POST", "/compose", {
      form: {
        _csrf: csrf,
        from: w.id,
        type: w.type,
        level: "orange",
        description: "再次更新",
        areas: [HONGSHAN],
        audiences: ["public"],
        channels: ["sms"],
        expires: shanghai(inHours(ctx(), 6)),
        channelsTouched: "1",
      },
    });
    expect(await again.text()).toContain(`当前状态不允许此操作（已有更新的版本 ${next}）`);

    // The API refuses to cancel a version that already has a newer one: the board shows why.
    const refused = await b.req("POST", `/warnings/${w.id}/cancel`, { form: { _csrf: csrf, reason: "降雨减弱" } });
    expect(refused.status).toBe(303);
    const back = await (await b.req("GET", refused.headers.get("location")!)).text();
    expect(back).toMatch(new RegExp(`<p class="error" role="alert">[^<]*${next}[^<]*</p>`));
    // In the page's language, with the version to act on (the API's detail is English).
    expect(back).toContain(`当前状态不允许此操作（已有更新的版本 ${next}）`);
    expect(back).not.toContain("already has a newer version");
    expect((await json(await ctx().request("GET", `/api/v1/warnings/${w.id}`))).status).toBe("issued");

    const other = await createIssued(ctx(), { areas: { codes: [HONGSHAN] }, channels: ["sms"] });
    const cancelled = await b.req("POST", `/warnings/${other.id}/cancel`, {
      form: { _csrf: csrf, reason: "降雨减弱" },
    });
    expect(cancelled.status).toBe(303);
    expect((await json(await ctx().request("GET", `/api/v1/warnings/${other.id}`))).status).toBe("cancelled");
    const cancel = /\/warnings\/([0-9a-f-]{36})/.exec(cancelled.headers.get("location")!)![1]!;
    expect(await json(await ctx().request("GET", `/api/v1/warnings/${cancel}`))).toMatchObject({
      msgType: "Cancel",
      status: "issued",
    });
  });

  it("the approval queue lists pending warnings with their SMS; self-approval is refused and shown; another approver issues", async () => {
    const mine = await createDraft(ctx(), { areas: { codes: [HONGSHAN] }, channels: ["sms"] }, ctx().users.admin);
    await ctx().request("POST", `/api/v1/warnings/${mine.id}/submit`, { key: ctx().users.admin.key });
    const admin = new ConsoleClient(ctx());
    const csrf = await admin.signIn(ctx().users.admin);
    const queue = await (await admin.req("GET", "/approvals")).text();
    expect(queue).toContain(`data-id="${mine.id}"`);
    expect(queue).toContain("【赤峰市气象局】");
    // Every channel × language the recipients will get, under the SMS.
    const from = queue.indexOf(`data-id="${mine.id}"`);
    const next = queue.indexOf('class="card pending"', from);
    const card = queue.slice(from, next < 0 ? undefined : next);
    for (const lang of ["zh", "mn", "en"]) expect(card).toContain(`data-channel="sms" data-language="${lang}"`);
    const self = await admin.req("POST", `/warnings/${mine.id}/approve`, { form: { _csrf: csrf, back: "/approvals" } });
    expect(self.status).toBe(303);
    expect(decodeURIComponent(self.headers.get("location")!)).toContain("不能审批自己制作的预警");
    const approver = new ConsoleClient(ctx());
    const c2 = await approver.signIn(ctx().users.approver);
    expect((await approver.req("POST", `/warnings/${mine.id}/approve`, { form: { _csrf: c2 } })).status).toBe(303);
    expect((await json(await ctx().request("GET", `/api/v1/warnings/${mine.id}`))).status).toBe("issued");
  });

  it("shows hostile text as text, everywhere", async () => {
    const hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>';
    const w = await createIssued(ctx(), { areas: { codes: [HONGSHAN] }, headline: hostile, description: hostile });
    const b = new ConsoleClient(ctx());
    await b.signIn(ctx().users.viewer);
    for (const path of ["/warnings", `/warnings/${w.id}`]) {
      const res = await b.req("GET", path);
      expect(res.headers.get("content-security-policy")).toBe(CONSOLE_CSP);
      const html = await res.text();
      expect(html).not.toContain("<script>alert");
      expect(html).not.toContain("<img src=x");
      expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    }
  });

  it("the board shows the county's villages and live figures over server-sent events", async () => {
    const V = "150402001001";
    await addPerson(ctx().tdb.db, { area: V });
    const w = await createIssued(ctx(), { areas: { codes: [HONGSHAN] }, channels: ["sms"] });
    const b = new ConsoleClient(ctx());
    await b.signIn(ctx().users.viewer);
    const html = await (await b.req("GET", `/warnings/${w.id}`)).text();
    const villages = [...html.matchAll(/id="v-(\d{12})"/g)].map((m) => m[1]);
    const cov = await json(await ctx().request("GET", `/api/v1/warnings/${w.id}/coverage?by=village`));
    expect(villages.sort()).toEqual(cov.areas.map((a: any) => a.code).sort());
    expect(villages).toContain(V);
    expect(html).toContain('id="m-sms-sent"');
    const live = await b.req("GET", `/warnings/${w.id}/live`);
    expect(live.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = live.body!.getReader();
    let text = "";
    // Two events (the second a second later); bounded by the reads it takes.
    for (let i = 0; i < 50 && (text.match(/\n\n/g) ?? []).length < 2; i++)
      text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    const [first, second] = [...text.matchAll(/data: (.*)/g)].map((m) => JSON.parse(m[1]!));
    expect(first).toMatchObject({ status: "issued", population: cov.population, reached: cov.reached });
    expect(first.villages).toHaveLength(villages.length);
    // Nothing changed in between: the second event carries the figures but no villages.
    expect(second).toMatchObject({ status: "issued", reached: cov.reached });
    expect(second.villages).toEqual([]);
    const csv = await b.req("GET", `/warnings/${w.id}/coverage.csv`);
    expect(csv.headers.get("content-type")).toMatch(/text\/csv/);
    expect((await csv.text()).split("\n")[0]).toMatch(/code/);
  });

  it("devices and people of an area, with online state", async () => {
    const d = await json(
      await ctx().request("POST", "/api/v1/devices", {
        json: { kind: "loudspeaker", areaCode: "150402001001", name: "大喇叭 <b>西屯</b>" },
      }),
    );
    await addPerson(ctx().tdb.db, { area: "150402001001", name: "赵六" });
    const b = new ConsoleClient(ctx());
    await b.signIn(ctx().users.viewer);
    const devices = await (await b.req("GET", "/devices?area=150402001000")).text();
    // Offline is the loud state; the area by name, its code as secondary text.
    expect(devices).toMatch(
      new RegExp(
        `<tr data-id="${d.id}" data-online="false"><td>大喇叭 &lt;b&gt;西屯&lt;/b&gt;</td><td>应急广播大喇叭</td><td>[^<]+ <small class="code">150402001001</small></td><td><span class="status-offline">离线</span></td><td>—</td>`,
      ),
    );
    expect(await (await b.req("GET", "/devices?area=150403000000")).text()).not.toContain(d.id);
    const people = await (await b.req("GET", "/people?area=150402001001")).text();
    expect(people).toContain("<td>赵六</td>");
  });

  it("the live stream of a cancelled warning sends one picture and ends", async () => {
    const w = await createIssued(ctx(), { areas: { codes: [HONGSHAN] }, channels: ["sms"] });
    expect(
      (
        await ctx().request("POST", `/api/v1/warnings/${w.id}/cancel`, {
          key: ctx().users.issuer.key,
          json: { reason: "险情解除" },
        })
      ).status,
    ).toBeLessThan(300);
    const b = new ConsoleClient(ctx());
    await b.signIn(ctx().users.viewer);
    const live = await b.req("GET", `/warnings/${w.id}/live`);
    const text = await live.text(); // completes only because the stream ends
    expect([...text.matchAll(/^event: (\w+)/gm)].map((m) => m[1])).toEqual(["board", "end"]);
    expect(JSON.parse(/data: (.*)/.exec(text)![1]!).status).toBe("cancelled");
  });

  it("CSV import shows each rejected row with its line and reason", async () => {
    const b = new ConsoleClient(ctx());
    const csrf = await b.signIn(ctx().users.issuer);
    const fd = new FormData();
    fd.set("_csrf", csrf);
    fd.set(
      "csv",
      new Blob(
        [
          "name,phone,area_code,audiences,备注\n张三,13800001111,150402001001,public,\n李四,notaphone,150402001001,public,\n王五,13800002222,999999999999,public,\n赵九,13800003333,150402001001,public;园丁,\n",
        ],
        { type: "text/csv" },
      ),
      "people.csv",
    );
    const res = await b.req("POST", "/people/import", { body: fd });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toMatch(/<td>3<\/td><td>电话：[^<]+<\/td>/);
    expect(html).toMatch(/<td>4<\/td><td>[^<]*<\/td>/);
    // Why nothing was imported, in Chinese (the API's detail is English, for machines).
    expect(html).toContain('<p class="error" role="alert">文件中有未通过校验的内容，整个文件未导入');
    expect(html).not.toContain("problem(s)");
    // An audience that is none of ours, worded in Chinese like the rest.
    expect(html).toMatch(/<td>5<\/td><td>发布对象：取值不在允许范围内<\/td>/);
    // A column it does not read is named, so its contents are not lost without a word.
    expect(html).toMatch(/id="ignored-columns">未读取的列[^<]*: <span class="code">备注<\/span>/);
    // A header without the columns it needs: said in Chinese on line 1.
    const headless = new FormData();
    headless.set("_csrf", csrf);
    headless.set("csv", new Blob(["电话,人群\n13800004444,public\n"], { type: "text/csv" }), "people.csv");
    const bad = await (await b.req("POST", "/people/import", { body: headless })).text();
    expect(bad).toMatch(/<td>1<\/td><td>表头须包含“姓名”和“区划代码”两列<\/td>/);
  });

  it("the area picker searches and browses the hierarchy through the API", async () => {
    const b = new ConsoleClient(ctx());
    await b.signIn(ctx().users.issuer);
    const top = await json(await b.req("GET", "/console-api/areas"));
    expect(top.parent).toMatchObject({ code: ctx().users.issuer.scope, browsable: true });
    expect(top.items.map((a: any) => a.code)).toContain(HONGSHAN);
    const down = await json(await b.req("GET", `/console-api/areas?parent=${HONGSHAN}`));
    expect(down.parent).toMatchObject({ code: HONGSHAN, label: "红山区", parentCode: "150400000000" });
    expect(down.items.length).toBeGreaterThan(5);
    expect(down.items.every((a: any) => a.kind === "township" && a.code.startsWith("150402"))).toBe(true);
    const found = await json(await b.req("GET", `/console-api/areas?q=${encodeURIComponent("红山")}`));
    expect(found.items[0]).toMatchObject({ code: HONGSHAN, label: "红山区", kindLabel: "旗县区" });
    expect((await b.req("GET", "/console-api/areas?parent=nonsense")).status).toBe(404);
  });

  it("Chinese by default; ?lang=en switches and is remembered; the switch link keeps the filters", async () => {
    const b = new ConsoleClient(ctx());
    await b.signIn(ctx().users.viewer);
    const zh = await (await b.req("GET", "/warnings?status=issued")).text();
    expect(zh).toContain('<html lang="zh-CN">');
    expect(zh).toContain("预警列表");
    expect(zh).toContain('href="/warnings?status=issued&amp;lang=en"');
    const en = await (await b.req("GET", "/warnings?status=issued&lang=en")).text();
    expect(en).toContain('<html lang="en">');
    expect(en).toContain("Warnings");
    expect(en).toContain('href="/warnings?status=issued&amp;lang=zh"');
    expect(en).toContain('<option value="red">Red</option>');
    expect(zh).toContain('<option value="red">红色</option>');
    // A viewer is not offered what the API would refuse them (approve, compose).
    const pending = await createDraft(ctx(), { areas: { codes: [HONGSHAN] }, channels: ["sms"] });
    await ctx().request("POST", `/api/v1/warnings/${pending.id}/submit`, { key: ctx().users.issuer.key });
    const queue = await (await b.req("GET", "/approvals")).text();
    expect(queue).toContain("<h1>Approvals</h1>");
    expect(queue).toContain('class="card pending"');
    expect(queue).not.toContain('class="approve"');
    expect(queue).not.toContain('href="/compose"');
  });

  it("serves its assets itself", async () => {
    const b = new ConsoleClient(ctx());
    for (const [f, type] of [
      ["console.css", "text/css"],
      ["compose.js", "text/javascript"],
      ["board.js", "text/javascript"],
    ]) {
      const res = await b.req("GET", `/assets/${f}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain(type!);
    }
    expect((await b.req("GET", "/assets/nothing.js")).status).toBe(404);
  });
});

describe("the coverage curve", () => {
  it("rises from 0% at issue in steps and holds its last rate to the end of the span", async () => {
    const { curvePath, curveSpan, CURVE } = await import("../../src/console/board-data.js");
    const xy = (d: string) =>
      [...d.matchAll(/[ML]([\d.]+),([\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])] as const);
    const bottom = CURVE.h - CURVE.bottom,
      top = CURVE.top,
      right = CURVE.w - 8;
    // Everything reached within a second: still a rise and a plateau, not a lone point.
    const fast = xy(curvePath([{ seconds: 1, rate: 1 }], 30));
    expect(fast[0]).toEqual([CURVE.left, bottom]);
    expect(fast.at(-1)).toEqual([right, top]);
    expect(fast.some(([, y]) => y === top)).toBe(true);
    // Cumulative: y never goes back down (up on screen is a smaller y).
    const steps = xy(
      curvePath(
        [
          { seconds: 2, rate: 0.3 },
          { seconds: 5, rate: 0.6 },
          { seconds: 9, rate: 0.95 },
        ],
        0,
      ),
    );
    for (let i = 1; i < steps.length; i++) {
      expect(steps[i]![1]).toBeLessThanOrEqual(steps[i - 1]![1]);
      expect(steps[i]![0]).toBeGreaterThanOrEqual(steps[i - 1]![0]);
    }
    expect(curveSpan([{ seconds: 400 }], 30)).toBe(400);
    expect(curvePath([], 0)).toBe(
      `M${CURVE.left.toFixed(1)},${bottom.toFixed(1)} L${right.toFixed(1)},${bottom.toFixed(1)}`,
    );
  });
});

describe("a village's colour on the board", () => {
  it("reached ≥ 90%, else loudspeaker offline, else escalated, else in progress, else not reached", async () => {
    const { villageState } = await import("../../src/console/board-data.js");
    const ch = (targeted: number, delivered: number, failed = 0) => ({
      targeted,
      sent: delivered + failed,
      delivered,
      acknowledged: 0,
      failed,
      expired: 0,
      reached: 0,
    });
    const v = (reached: number, channels: Record<string, ReturnType<typeof ch>>) => ({
      code: "150402001001",
      name: "村",
      population: 100,
      reached,
      rate: reached / 100,
      villages: 1,
      villagesNotReached: reached >= 90 ? 0 : 1,
      channels,
    });
    const none = { offline: new Set<string>(), escalated: new Set<string>(), inForce: true };
    const offline = { ...none, offline: new Set(["150402001001"]) };
    const escalated = { ...none, escalated: new Set(["150402001001"]) };
    expect(villageState(v(95, { sms: ch(10, 10) }), offline)).toBe("reached");
    expect(villageState(v(10, { sms: ch(10, 1) }), offline)).toBe("offline");
    expect(villageState(v(10, { sms: ch(10, 1) }), { ...offline, inForce: false })).toBe("progress");
    expect(villageState(v(10, { sms: ch(10, 10) }), escalated)).toBe("escalated");
    expect(villageState(v(0, { sms: ch(10, 2) }), none)).toBe("progress");
    expect(villageState(v(0, { sms: ch(10, 0, 10) }), none)).toBe("notreached");
    expect(villageState(v(0, {}), { ...none, inForce: false })).toBe("idle");
  });
});
