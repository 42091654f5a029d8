// From an empty database to a working two-agency team, as a deployer does it: the CLI
// makes the first admin, the admin makes the weather and hydrology agencies, their staff
// and keys through the API, and each agency's warning reaches a (loopback) Twilio gateway
// under its own SMS signature and CAP sender. Refusals across agencies, scopes and roles,
// key revocation, and a username + password sign-in in Chromium.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { launchChromium } from "./chromium.js";
import { startServer, type RunningServer } from "./server.js";
import { createTestDatabase } from "../helpers/db.js";
import { TwilioGateway } from "../helpers/twilio-gateway.js";
import { printedKey, runAdmin } from "../cli/run.js";

const SID = `AC${"e2".repeat(16)}`;
const TOKEN = "e2e-agencies-token";
const ADMIN_PASSWORD = "赤峰 预警 发布 2030";
const HONGSHAN = "150402000000";
let server: RunningServer;
let gateway: TwilioGateway;
let browser: Browser;
let adminKey: string;

beforeAll(async () => {
  const tdb = await createTestDatabase({ empty: true });
  const made = await runAdmin(
    [
      "create-user",
      "--username",
      "chief",
      "--role",
      "admin",
      "--scope",
      "150400000000",
      "--name",
      "市预警中心主任",
      "--password-stdin",
    ],
    { env: { DATABASE_URL: tdb.url, WARNCAST_SEED_DEMO: "false" }, stdin: ADMIN_PASSWORD },
  );
  if (made.code !== 0) {
    await tdb.drop();
    throw new Error(`create-user: ${made.code} ${made.stderr}`);
  }
  adminKey = printedKey(made.stdout)!;
  gateway = new TwilioGateway(SID, TOKEN);
  await gateway.start();
  server = await startServer({ WARNCAST_SEED_DEMO: "false", ...gateway.serverEnv() }, { tdb });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await gateway?.stop();
});

async function api(method: string, path: string, key: string, body?: unknown) {
  const res = await fetch(server.url + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: (text && res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text) as any,
  };
}

/** Polls the gateway's state (not a timer): the dispatcher sends when it sends. */
async function smsFor(phone: string, containing: string) {
  for (;;) {
    const m = gateway.messages.find((x) => x.to === phone && x.body.includes(containing));
    if (m) return m;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function createUser(body: Record<string, unknown>) {
  const u = await api("POST", "/api/v1/users", adminKey, body);
  expect(u.status, JSON.stringify(u.body)).toBe(201);
  const k = await api("POST", `/api/v1/users/${u.body.id}/keys`, adminKey, { label: "duty script" });
  expect(k.status).toBe(201);
  return { id: u.body.id as string, key: k.body.key as string, keyId: k.body.id as string };
}

async function issue(issuerKey: string, approverKey: string, body: Record<string, unknown>) {
  const d = await api("POST", "/api/v1/warnings", issuerKey, body);
  expect(d.status, JSON.stringify(d.body)).toBe(201);
  expect((await api("POST", `/api/v1/warnings/${d.body.id}/submit`, issuerKey)).status).toBe(200);
  const a = await api("POST", `/api/v1/warnings/${d.body.id}/approve`, approverKey);
  expect(a.body.status).toBe("issued");
  return a.body;
}

describe("an empty database to a working two-agency team", () => {
  it("bootstraps, sets up weather and hydrology, and each warning goes out in its agency's name", async () => {
    expect(server.output()).not.toMatch(/role=\w+\s+agency=/); // no demo users
    expect((await api("GET", "/api/v1/me", adminKey)).body).toMatchObject({
      username: "chief",
      role: "admin",
      agency: null,
    });

    const qx = await api("POST", "/api/v1/agencies", adminKey, {
      code: "cf-qx",
      name: "赤峰市气象台",
      senderId: "cf-qx.chifeng",
      smsSignature: "【赤峰市气象局】",
      areaScope: "150400000000",
      types: ["rainstorm", "blizzard", "gale", "heat", "hail", "fog"],
    });
    const sw = await api("POST", "/api/v1/agencies", adminKey, {
      code: "cf-sw",
      name: "赤峰市水文水资源中心",
      senderId: "cf-sw.chifeng",
      smsSignature: "【赤峰市水文局】",
      areaScope: "150400000000",
      types: ["flood"],
    });
    expect([qx.status, sw.status]).toEqual([201, 201]);
    const weather = await createUser({
      username: "qx-duty",
      name: "气象台值班员",
      role: "issuer",
      areaScope: "150400000000",
      agency: "cf-qx",
    });
    const hydro = await createUser({
      username: "sw-duty",
      name: "水文值班员",
      role: "issuer",
      areaScope: HONGSHAN,
      agency: "cf-sw",
    });
    const approver = await createUser({
      username: "signer",
      name: "签发人",
      role: "approver",
      areaScope: "150400000000",
    });

    const township = (await api("GET", `/api/v1/areas?parent=${HONGSHAN}&limit=1`, adminKey)).body.items[0].code;
    const village = (await api("GET", `/api/v1/areas?parent=${township}&limit=1`, adminKey)).body.items[0].code;
    const phone = "+8613900000015";
    expect(
      (
        await api("POST", "/api/v1/recipients", adminKey, {
          name: "村民甲",
          phone,
          areaCode: village,
          audiences: ["public"],
          language: "zh",
        })
      ).status,
    ).toBe(201);
    const expires = new Date(Date.now() + 6 * 3600_000).toISOString();
    const base = { areas: { codes: [village] }, audiences: ["public"], channels: ["sms"], expires };

    const flood = await issue(hydro.key, approver.key, {
      ...base,
      type: "flood",
      level: "orange",
      description: "预计英金河红山段水位超警戒。",
      instruction: "沿河人员立即转移。",
    });
    const rain = await issue(weather.key, approver.key, {
      ...base,
      type: "rainstorm",
      level: "orange",
      description: "预计未来6小时降雨50毫米以上。",
      instruction: "注意防范积涝。",
    });
    const floodSms = await smsFor(phone, "洪水");
    const rainSms = await smsFor(phone, "暴雨");
    expect(floodSms.body).toMatch(/^【赤峰市水文局】赤峰市水文水资源中心发布洪水橙色预警/);
    expect(rainSms.body).toMatch(/^【赤峰市气象局】赤峰市气象台发布暴雨橙色预警/);
    for (const [w, sender, name] of [
      [flood, "cf-sw.chifeng", "赤峰市水文水资源中心"],
      [rain, "cf-qx.chifeng", "赤峰市气象台"],
    ] as const) {
      const cap = await api("GET", `/api/v1/warnings/${w.id}/cap`, approver.key);
      expect(cap.body).toContain(`<sender>${sender}</sender>`);
      expect(cap.body).toContain(`<senderName>${name}</senderName>`);
    }

    // Refusals across agencies, scopes and roles.
    const crossType = await api("POST", "/api/v1/warnings", hydro.key, {
      ...base,
      type: "rainstorm",
      level: "orange",
      description: "越权",
    });
    expect([crossType.status, crossType.body.rule, crossType.body.allowedTypes]).toEqual([
      403,
      "type_not_in_agency",
      ["flood"],
    ]);
    const crossScope = await api("POST", "/api/v1/warnings", hydro.key, {
      ...base,
      areas: { codes: ["150404000000"] },
      type: "flood",
      level: "blue",
      description: "越界",
    });
    expect(crossScope.status).toBe(403);
    expect(
      (
        await api("POST", "/api/v1/warnings", approver.key, {
          ...base,
          type: "flood",
          level: "blue",
          description: "签发人不能起草",
        })
      ).status,
    ).toBe(403);
    expect((await api("PATCH", `/api/v1/users/${hydro.id}`, hydro.key, { role: "admin" })).body.rule).toBe(
      "role_too_strong",
    );
    expect(
      (
        await api("POST", "/api/v1/users", weather.key, {
          username: "x1",
          name: "x",
          role: "viewer",
          areaScope: HONGSHAN,
        })
      ).status,
    ).toBe(403);
    const wide = await api("POST", "/api/v1/users", adminKey, {
      username: "province",
      name: "x",
      role: "viewer",
      areaScope: "150000000000",
    });
    expect([wide.status, wide.body.rule]).toEqual([403, "scope_too_wide"]);
    expect(
      (
        await api("POST", "/api/v1/agencies", adminKey, {
          code: "nm-qx",
          name: "内蒙古气象台",
          senderId: "nm",
          smsSignature: "【内蒙古气象局】",
          areaScope: "150000000000",
          types: ["gale"],
        })
      ).status,
    ).toBe(403);

    // Revoking one key: that key is refused from its next request; the user's other key works.
    const second = await api("POST", `/api/v1/users/${hydro.id}/keys`, hydro.key, { label: "laptop" });
    expect(second.status).toBe(201);
    expect((await api("DELETE", `/api/v1/users/${hydro.id}/keys/${hydro.keyId}`, adminKey)).status).toBe(204);
    expect((await api("GET", "/api/v1/me", hydro.key)).status).toBe(401);
    expect((await api("GET", "/api/v1/me", second.body.key)).body).toMatchObject({
      username: "sw-duty",
      agency: { code: "cf-sw" },
    });
  }, 120_000);

  it("the admin signs in to the console in Chromium with username and password", async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${server.url}/warnings`);
      expect(new URL(page.url()).pathname).toBe("/login");
      await page.fill("#username", "chief");
      await page.fill("#password", "not it at all");
      await page.click("#login button[type=submit]");
      await page.waitForSelector("p.error");
      expect(await page.textContent("p.error")).toContain("用户名或密码错误");
      await page.fill("#password", ADMIN_PASSWORD);
      await page.click("#login button[type=submit]");
      await page.waitForURL(/\/warnings/);
      expect(await page.textContent("header .who")).toContain("市预警中心主任");
      await page.click('header nav a[href="/admin/users"]');
      await page.waitForSelector("#users");
      const names = await page.$$eval("#users tbody tr td:first-child", (tds: any[]) =>
        tds.map((td) => td.textContent),
      );
      expect(names).toEqual(["chief", "qx-duty", "signer", "sw-duty"]);
    } finally {
      await page.close();
    }
  }, 60_000);
});
