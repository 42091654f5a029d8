// WEBHOOK_PORT: provider webhooks on a listener and thread of their own, so a city's
// receipts do not queue staff requests on the API's thread. Through the running server:
// the SMS it sends gives the (loopback) Twilio gateway that listener's address for its
// status callback; a callback signed for that address moves the delivery; an unsigned one
// is refused there as on the API's port; the listener serves nothing but webhooks.
import { createServer } from "node:net";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import twilio from "twilio";
import { useContext } from "../helpers/context.js";
import { createIssued } from "../helpers/factories.js";
import { addPerson, deliveriesOf } from "../helpers/people.js";
import { TwilioGateway } from "../helpers/twilio-gateway.js";
import { startServer, type RunningServer } from "./server.js";

const ctx = useContext();
const SID = `AC${"w3".repeat(16)}`;
const TOKEN = "e2e_webhooks_token_" + "w".repeat(12);
const V = "150402003001";
const PHONE = "+8613800000021";
let server: RunningServer | null = null;
const gateway = new TwilioGateway(SID, TOKEN);

afterAll(async () => {
  await server?.stop();
  await gateway.stop();
}, 60_000);

describe("webhooks on a listener of their own", () => {
  it("Twilio is given the listener's address, and a callback signed for it is applied there", async () => {
    await gateway.start();
    server = await startServer(
      // No WEBHOOK_PORT: on this machine alone (no PUBLIC_URL) a listener is the default.
      { WARNCAST_SEED_DEMO: "false", ...gateway.serverEnv() },
      { tdb: ctx().tdb },
    );
    const banner = /webhooks: a listener of their own on port (\d+), given to providers as (\S+)/.exec(server.output());
    expect(banner, server.output()).not.toBeNull();
    const [, port, listener] = banner!;
    expect(listener).toBe(`http://127.0.0.1:${port}`);
    expect(port).not.toBe(new URL(server.url).port);

    const db = ctx().tdb.db;
    await addPerson(db, { area: V, phone: PHONE });
    const w = await createIssued(ctx(), { areas: { codes: [V] }, channels: ["sms"], audiences: ["public"] });
    // The server's dispatcher sends it to the gateway (polled: it sends when it sends).
    const sms = await vi.waitUntil(() => gateway.messages.find((m) => m.to === PHONE), {
      timeout: 30_000,
      interval: 50,
    });
    const callback = new URL(sms.statusCallback!);
    expect(callback.origin).toBe(listener);
    expect(callback.pathname).toBe("/webhooks/twilio/status");
    await vi.waitUntil(async () => (await deliveriesOf(db, w.id))[0]?.status === "sent", {
      timeout: 10_000,
      interval: 50,
    });

    const post = (params: Record<string, string>, signature?: string) =>
      fetch(callback, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          ...(signature ? { "x-twilio-signature": signature } : {}),
        },
        body: new URLSearchParams(params).toString(),
        signal: AbortSignal.timeout(15_000),
      });
    const params = { MessageSid: sms.sid, MessageStatus: "delivered", AccountSid: SID, To: PHONE };
    // Unsigned, or signed for the API's address: refused, the delivery untouched.
    for (const signature of [
      undefined,
      twilio.getExpectedTwilioSignature(TOKEN, server.url + callback.pathname + callback.search, params),
    ]) {
      const refused = await post(params, signature);
      expect(refused.status).toBe(403);
      expect(refused.headers.get("content-type")).toContain("application/problem+json");
      expect((await refused.json()) as object).toMatchObject({ code: "forbidden" });
    }
    expect((await deliveriesOf(db, w.id))[0]?.status).toBe("sent");

    const applied = await post(params, twilio.getExpectedTwilioSignature(TOKEN, callback.toString(), params));
    expect(applied.status).toBe(204);
    expect((await deliveriesOf(db, w.id))[0]?.status).toBe("delivered");

    // Webhooks only: the staff API and the console are not served on the listener.
    for (const path of ["/api/v1/warnings", "/health", "/"]) {
      const r = await fetch(`${listener}${path}`, { signal: AbortSignal.timeout(15_000) });
      expect(r.status, path).toBe(404);
    }
  }, 90_000);

  it("the listener keeps its port across a restart (receipts of earlier messages still land); a taken chosen port stops the start", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "warncast-webhook-port-"));
    const env = { WARNCAST_SEED_DEMO: "false", WARNCAST_DISPATCH: "false", WARNCAST_DATA_DIR: dataDir };
    const portOf = (s: RunningServer) => Number(/a listener of their own on port (\d+)/.exec(s.output())?.[1]);
    const held = createServer();
    try {
      let s = await startServer(env);
      const first = portOf(s);
      // Below the range outgoing connections take their local ports from: no connection can
      // be holding it when the service comes back.
      const ephemeral = Number((await readFile("/proc/sys/net/ipv4/ip_local_port_range", "utf8")).split(/\s+/)[0]);
      expect(first).toBeGreaterThanOrEqual(20_000);
      expect(first).toBeLessThan(ephemeral);
      await s.stop();
      s = await startServer(env);
      expect(portOf(s)).toBe(first);
      await s.stop();
      // Taken meanwhile by something else: the listener moves (and keeps the new port).
      await new Promise<void>((r) => held.listen(first, "127.0.0.1", () => r()));
      s = await startServer(env);
      const moved = portOf(s);
      expect(moved).toBeGreaterThan(0);
      expect(moved).not.toBe(first);
      expect((await readFile(join(dataDir, "webhook-port"), "utf8")).trim()).toBe(String(moved));
      await s.stop();
      // A port chosen in WEBHOOK_PORT is not given up: the start stops, naming the cause.
      await expect(startServer({ ...env, WEBHOOK_PORT: String(first) })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      if (held.listening) await new Promise((r) => held.close(r));
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
