// WEBHOOK_PORT: provider webhooks on a listener and thread of their own, so a city's
// receipts do not queue staff requests on the API's thread. Through the running server:
// the SMS it sends gives the (loopback) Twilio gateway that listener's address for its
// status callback; a callback signed for that address moves the delivery; an unsigned one
// is refused there as on the API's port; the listener serves nothing but webhooks.
import { createServer, type Server } from "node:net";
import type { AddressInfo } from "node:net";
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
    const gatewayUrl = await gateway.start();
    server = await startServer(
      {
        WARNCAST_SEED_DEMO: "false",
        TWILIO_ACCOUNT_SID: SID,
        TWILIO_AUTH_TOKEN: TOKEN,
        TWILIO_FROM: "+15005550006",
        TWILIO_API_BASE_URL: gatewayUrl,
        // No WEBHOOK_PORT: on this machine alone (no PUBLIC_URL) the listener is the default.
      },
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

  it("a taken default port leaves webhooks on the API's port; a taken chosen one stops the start", async () => {
    // Two neighbouring ports: the server's PORT free, the one after it taken.
    const taken = await neighbours();
    const env = { WARNCAST_SEED_DEMO: "false", WARNCAST_DISPATCH: "false", PORT: String(taken.port - 1) };
    let s: RunningServer | null = null;
    try {
      s = await startServer(env);
      expect(s.output()).toMatch(new RegExp(`webhooks: on this port \\(port ${taken.port} not available`));
      expect(s.output()).not.toMatch(/a listener of their own/);
      // Shared: the status route answers on the API's port (refusing the unsigned call).
      const r = await fetch(`${s.url}/webhooks/twilio/status`, { method: "POST", signal: AbortSignal.timeout(15_000) });
      expect(r.status).toBe(403);
      await s.stop();
      s = null;
      await expect(startServer({ ...env, WEBHOOK_PORT: String(taken.port) })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await s?.stop();
      await new Promise((r) => taken.server.close(r));
    }
  }, 90_000);
});

/** A listening socket on a port whose predecessor is free (bounded tries). */
async function neighbours(): Promise<{ server: Server; port: number }> {
  for (let i = 0; i < 50; i++) {
    const held = createServer();
    await new Promise<void>((r) => held.listen(0, "127.0.0.1", () => r()));
    const port = (held.address() as AddressInfo).port;
    const probe = createServer();
    const free = await new Promise<boolean>((r) => {
      probe.once("error", () => r(false));
      probe.listen(port - 1, "127.0.0.1", () => r(true));
    });
    if (free) {
      await new Promise((r) => probe.close(r));
      return { server: held, port };
    }
    await new Promise((r) => held.close(r));
  }
  throw new Error("no two neighbouring free ports");
}
