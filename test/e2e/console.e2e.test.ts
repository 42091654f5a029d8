// The whole path in a real browser (Debian chromium driven by playwright-core): an issuer
// composes a red rainstorm warning for one county (a disallowed level refused first), an
// approver approves it, the live board reaches the expected coverage as simulated
// loudspeakers play it and the SMS simulator delivers, and the issuer cancels it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "./chromium.js";
import { mkdir, copyFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import WebSocket from "ws";
import { startServer, type RunningServer } from "./server.js";

const COUNTY = "150402000000"; // 红山区, 91 villages
const ARTIFACTS = new URL("../../test-artifacts/", import.meta.url);
let server: RunningServer;
let browser: Browser;
const sockets: WebSocket[] = [];
const commands: { device: string; action: string; warning: string }[] = [];

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
  await mkdir(ARTIFACTS, { recursive: true });
}, 90_000);

afterAll(async () => {
  for (const s of sockets) s.terminate();
  await browser?.close();
  await server?.stop();
});

async function api(method: string, path: string, key: string, body?: unknown) {
  const res = await fetch(server.url + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** One loudspeaker per village of the county, each a real WebSocket client that acks
 * `received` and then `played`, as the reference controller does. */
async function connectLoudspeakers(): Promise<number> {
  const admin = server.key("admin");
  const villages: string[] = [];
  for (let cursor: string | null = null, first = true; first || cursor; first = false) {
    const townships = await api(
      "GET",
      `/api/v1/areas?parent=${COUNTY}&limit=100${cursor ? `&cursor=${cursor}` : ""}`,
      admin,
    );
    for (const t of townships.body.items) {
      const vs = await api("GET", `/api/v1/areas?parent=${t.code}&limit=500`, admin);
      villages.push(...vs.body.items.map((v: any) => v.code));
    }
    cursor = townships.body.nextCursor;
  }
  for (const v of villages) {
    const d = await api("POST", "/api/v1/devices", admin, { kind: "loudspeaker", areaCode: v, name: `大喇叭 ${v}` });
    expect(d.status).toBe(201);
    const ws = new WebSocket(
      `${server.url.replace("http", "ws")}/ws/devices?token=${encodeURIComponent(d.body.token)}`,
    );
    sockets.push(ws);
    ws.on("message", (raw) => {
      const f = JSON.parse(String(raw));
      if (f.type !== "command") return;
      commands.push({ device: d.body.id, action: f.action, warning: f.warning.id });
      ws.send(JSON.stringify({ type: "ack", id: f.id, state: "received", at: new Date().toISOString() }));
      if (f.action === "play")
        setTimeout(
          () => ws.send(JSON.stringify({ type: "ack", id: f.id, state: "played", at: new Date().toISOString() })),
          100,
        );
    });
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    ws.send(JSON.stringify({ type: "hello", firmware: "e2e 1.0", capabilities: ["tts"] }));
  }
  return villages.length;
}

/** Demo users have keys but no password: set one through the API, then sign in with it. */
async function signIn(page: Page, role: string) {
  const username = server.username(role);
  const password = `e2e 控制台 passphrase ${role.length}`;
  await server.setPassword(username, password);
  await page.goto(`${server.url}/login`);
  await page.fill("#username", username);
  await page.fill("#password", password);
  await page.click("#login button[type=submit]");
  await page.waitForURL(/\/warnings/);
}

describe("the staff console in a real browser", () => {
  it("compose (disallowed level refused) → approve → live board reaches the target → cancel", async () => {
    const villages = await connectLoudspeakers();
    expect(villages).toBe(91);
    const page = await browser.newPage({ viewport: { width: 1360, height: 1000 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    // Script errors fail the test; a 422 answer to a preview of an invalid draft is expected.
    page.on("console", (m) => {
      if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) errors.push(m.text());
    });

    // Unauthenticated → sign-in page.
    await page.goto(`${server.url}/warnings`);
    expect(new URL(page.url()).pathname).toBe("/login");
    await signIn(page, "issuer");

    // Compose: only the levels a type allows are offered (干旱: orange and red).
    await page.goto(`${server.url}/compose`);
    await page.selectOption("#type", "drought");
    const offered = await page.$$eval("#level option", (os: any[]) =>
      os.filter((o) => !o.disabled).map((o) => o.value),
    );
    expect(offered.sort()).toEqual(["orange", "red"]);
    // A disallowed level forced past the page (an old browser, a crafted form) is refused by the API, next to its field.
    await page.evaluate(() => {
      const l = (globalThis as any).document.querySelector("#level");
      for (const o of l.options) o.disabled = false;
      l.value = "blue";
    });
    await page.fill("#description", "预计未来持续干旱。");
    // The picker browses the hierarchy from the user's scope (▸ goes down) and searches by name.
    await page.click("#area-q");
    await page.click(`#area-results div:has(> button[data-code="${COUNTY}"]) button.down`);
    await page.waitForSelector(`#area-results button[data-code="150402001000"]`);
    await page.screenshot({
      path: new URL("area-picker.png", ARTIFACTS).pathname,
      clip: { x: 0, y: 0, width: 700, height: 600 },
    });
    await page.click("#area-q");
    await page.keyboard.type("红山区");
    await page.waitForSelector("#area-results .here", { state: "detached" });
    await page.click(`#area-results button[data-code="${COUNTY}"]`);
    await page.click("#submit");
    await page.waitForSelector('.field-error[data-field="level"]');
    expect(await page.textContent('.field-error[data-field="level"]')).toBeTruthy();

    // The real one: red rainstorm for 红山区, default channels, live preview with SMS segments.
    await page.selectOption("#type", "rainstorm");
    await page.selectOption("#level", "red");
    await page.fill("#description", "预计未来3小时红山区将出现100毫米以上降雨，城区和低洼地带可能出现严重积涝。");
    await page.fill("#instruction", "立即转移低洼地带和危旧房屋人员，停止户外活动。");
    expect(await page.$$eval("#area-chips li", (ls: any[]) => ls.map((l) => l.dataset.code))).toEqual([COUNTY]);
    await page.click("#preview-button");
    // Wait for the rainstorm's own preview: an earlier one (the 干旱 draft) may still be drawn.
    await page.waitForFunction(() =>
      (globalThis as any).document.querySelector("#preview")?.textContent?.includes("暴雨红色"),
    );
    await page.waitForSelector("#preview [data-segments]");
    expect(await page.textContent("#preview")).toContain("赤峰市气象台发布暴雨红色预警[Ⅰ级/特别严重]");
    await page.screenshot({ path: new URL("compose.png", ARTIFACTS).pathname, fullPage: true });
    await page.click("#submit");
    await page.waitForURL(/\/warnings\/[0-9a-f-]{36}/);
    const id = /\/warnings\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    expect((await api("GET", `/api/v1/warnings/${id}`, server.key("viewer"))).body.status).toBe("pending");

    // The approver approves from the queue.
    await page.click("header form button[type=submit]");
    await page.waitForURL(/\/login/);
    await signIn(page, "approver");
    await page.goto(`${server.url}/approvals`);
    await page.screenshot({ path: new URL("approvals.png", ARTIFACTS).pathname, fullPage: true });
    await page.click(`.pending[data-id="${id}"] .approve-step summary`);
    await page.click(`.pending[data-id="${id}"] button.confirm-approve`);
    await page.waitForURL(/\/approvals\?flash=/);
    expect((await api("GET", `/api/v1/warnings/${id}`, server.key("viewer"))).body.status).toBe("issued");

    // The live board: every village's loudspeaker plays it, coverage passes the 93% target.
    await page.goto(`${server.url}/warnings/${id}`);
    await page.waitForFunction(
      () => Number((globalThis as any).document.querySelector("#rate").dataset.rate || 0) >= 0.93,
      undefined,
      { timeout: 45_000, polling: 250 },
    );
    const cov = (await api("GET", `/api/v1/warnings/${id}/coverage`, server.key("viewer"))).body;
    expect(cov.rate).toBeGreaterThanOrEqual(0.93);
    expect(cov.channels.loudspeaker).toMatchObject({ targeted: 91, played: 91 });
    await page.waitForFunction(
      () => (globalThis as any).document.querySelectorAll(".v.s-reached").length === 91,
      undefined,
      { timeout: 20_000 },
    );
    // The SMS simulator's delivery reports arrive too (the board shows them as they come).
    await page
      .waitForFunction(
        () => {
          const m = (globalThis as any).document.querySelector("#m-sms-delivered");
          return !!m && m.value > 0 && m.value === m.max;
        },
        undefined,
        { timeout: 30_000, polling: 250 },
      )
      .catch(async (e) => {
        // Say what the board was waiting for: the API's counts and the server's own log.
        const now = (await api("GET", `/api/v1/warnings/${id}/coverage`, server.key("viewer"))).body;
        console.log(
          JSON.stringify(now.channels.sms),
          await page.textContent("#channels"),
          server.output().slice(-4000),
        );
        throw e;
      });
    await page.screenshot({ path: new URL("board.png", ARTIFACTS).pathname, fullPage: true });
    // The README's copy is refreshed on request only, so a test run leaves the tree clean.
    const docsShot = new URL("../../docs/console-board.png", import.meta.url);
    if (process.env.UPDATE_DOCS_SCREENSHOT === "1" || !existsSync(docsShot)) {
      await mkdir(new URL("../../docs/", import.meta.url), { recursive: true });
      await copyFile(new URL("board.png", ARTIFACTS), docsShot);
    }

    // Cancel from the board: a new Cancel version, and every loudspeaker is told to stop.
    await page.click("#cancel");
    await page.fill("#cancel-reason", "降雨减弱，解除预警");
    await page.click("#confirm-cancel");
    await page.waitForURL((u) => !u.pathname.endsWith(id));
    expect((await api("GET", `/api/v1/warnings/${id}`, server.key("viewer"))).body.status).toBe("cancelled");
    await page.goto(`${server.url}/warnings`);
    await page.screenshot({ path: new URL("warnings.png", ARTIFACTS).pathname, fullPage: true });
    const deadline = Date.now() + 20_000;
    while (commands.filter((c) => c.action === "stop").length < 91 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    expect(new Set(commands.filter((c) => c.action === "stop").map((c) => c.device)).size).toBe(91);
    expect(errors).toEqual([]);
  }, 150_000);
});
