import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DispatchRunner } from "../../src/dispatch/runner.js";
import { rendererFor } from "../../src/templates/default.js";
import { silentLogger } from "../../src/lib/log.js";
import { sql } from "drizzle-orm";
import twilio from "twilio";
import { useContext, type TestContext } from "../helpers/context.js";
import { createIssued } from "../helpers/factories.js";
import { addPerson, deliveriesOf } from "../helpers/people.js";
import { TwilioGateway } from "../helpers/twilio-gateway.js";
import { TwilioSmsChannel } from "../../channels/sms/twilio-channel.js";
import { ChannelError, type OutboundMessage } from "../../channels/contract.js";
import { dispatchWith } from "../helpers/dispatch.js";
import { twilioSignature, verifyTwilioSignature } from "../../channels/sms/signature.js";
import { createTwilioClient } from "../../channels/sms/client.js";
import { classifyTwilioError } from "../../channels/sms/errors.js";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

const SID = "AC" + "0".repeat(31) + "1";
const TOKEN = "test_auth_token_" + "x".repeat(16);
const PUBLIC = "https://warncast.example.gov.cn";
const V = "150403001001"; // a village of 元宝山区
const ctx = useContext();
const gw = new TwilioGateway(SID, TOKEN);
let base = "";

beforeAll(async () => {
  base = await gw.start();
  ctx().services.config.publicUrl = PUBLIC;
  ctx().services.config.twilioAuthToken = TOKEN;
});
afterAll(() => gw.stop());

const channel = (
  over: Partial<{ from: string; messagingServiceSid: string }> = { from: "+15005550006" },
  now = () => ctx().clock.now,
) =>
  new TwilioSmsChannel(
    { accountSid: SID, authToken: TOKEN, baseUrl: base, statusCallback: `${PUBLIC}/webhooks/twilio/status`, ...over },
    { ratePerSecond: 1000, concurrency: 8 },
    now,
  );

const message = (over: Partial<OutboundMessage> = {}): OutboundMessage => ({
  deliveryId: 1,
  warningId: "00000000-0000-4000-8000-000000000001",
  msgType: "Alert",
  level: "orange",
  expires: new Date(ctx().clock.now.getTime() + 2 * 3600_000),
  language: "zh",
  text: "【赤峰市气象局】赤峰市气象台发布暴雨橙色预警[Ⅱ级/严重]",
  ...over,
});
const target = (address: string | null) => ({ recipientId: 1, deviceId: null, address, villageCode: V });

async function sendError(p: Promise<unknown>): Promise<ChannelError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ChannelError);
    return e as ChannelError;
  }
  throw new Error("expected a ChannelError");
}

/** Posts a status callback signed exactly as Twilio signs it (the library's own function). */
async function callback(
  c: TestContext,
  params: Record<string, string>,
  o: { url?: string; token?: string; signature?: string | null; path?: string } = {},
) {
  const path = o.path ?? "/webhooks/twilio/status";
  const sig =
    o.signature === undefined
      ? twilio.getExpectedTwilioSignature(o.token ?? TOKEN, o.url ?? PUBLIC + path, params)
      : o.signature;
  return c.app.request(path, {
    method: "POST",
    body: new URLSearchParams(params).toString(),
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      ...(sig === null ? {} : { "x-twilio-signature": sig }),
    },
  });
}

describe("SMS through the real twilio client", () => {
  it("posts To, Body, From, StatusCallback and a ValidityPeriod capped by the warning's remaining life", async () => {
    const r = await channel().send(message(), target("+8613800000001"));
    const m = gw.messages.at(-1)!;
    expect(r).toEqual({ providerId: m.sid, status: "sent" });
    expect(m).toMatchObject({
      to: "+8613800000001",
      from: "+15005550006",
      body: message().text,
      statusCallback: `${PUBLIC}/webhooks/twilio/status?lane=150403`,
      validityPeriod: 7200,
    });
    await channel().send(
      message({ expires: new Date(ctx().clock.now.getTime() + 48 * 3600_000) }),
      target("+8613800000001"),
    );
    expect(gw.messages.at(-1)!.validityPeriod).toBe(36_000);
  });

  it("carries a provider's Retry-After (seconds) on 429 and 503 into the error the dispatcher waits by", async () => {
    gw.failFor.set("+8613800000021", { httpStatus: 429, code: 20429, message: "too many requests", retryAfter: "30" });
    gw.failFor.set("+8613800000022", { httpStatus: 503, code: 20503, message: "unavailable", retryAfter: "120" });
    const a = await sendError(channel().send(message(), target("+8613800000021")));
    const b = await sendError(channel().send(message(), target("+8613800000022")));
    expect([a.retryable, a.retryAfterMs, b.retryable, b.retryAfterMs]).toEqual([true, 30_000, true, 120_000]);
  });

  it("uses a Messaging Service when configured instead of a From number", async () => {
    await channel({ messagingServiceSid: "MG" + "1".repeat(32) }).send(message(), target("+8613800000002"));
    expect(gw.messages.at(-1)).toMatchObject({ from: undefined, messagingServiceSid: "MG" + "1".repeat(32) });
  });

  it("classifies errors: invalid numbers are permanent with Twilio's code; 429, 5xx, queue full and network errors are retryable", async () => {
    const cases: [string, { httpStatus: number; code: number }, string, boolean][] = [
      ["+8613800000011", { httpStatus: 400, code: 21211 }, "twilio_21211", false],
      ["+8613800000012", { httpStatus: 400, code: 21614 }, "twilio_21614", false],
      ["+8613800000013", { httpStatus: 429, code: 20429 }, "twilio_20429", true],
      ["+8613800000014", { httpStatus: 503, code: 20503 }, "twilio_20503", true],
      ["+8613800000015", { httpStatus: 400, code: 21611 }, "twilio_21611", true],
      ["+8613800000016", { httpStatus: 400, code: 30001 }, "twilio_30001", true],
    ];
    for (const [to, f, code, retryable] of cases) {
      gw.failFor.set(to, { ...f, message: `simulated ${f.code}` });
      const e = await sendError(channel().send(message(), target(to)));
      expect({ code: e.code, retryable: e.retryable }).toEqual({ code, retryable });
    }
    const down = new TwilioSmsChannel(
      {
        accountSid: SID,
        authToken: TOKEN,
        baseUrl: "http://127.0.0.1:9",
        statusCallback: `${PUBLIC}/x`,
        from: "+15005550006",
      },
      { ratePerSecond: 1, concurrency: 1 },
    );
    const e = await sendError(down.send(message(), target("+8613800000001")));
    expect(e.retryable).toBe(true);
    expect(e.code).toMatch(/^network/);
    const wrongToken = new TwilioSmsChannel(
      { accountSid: SID, authToken: "wrong", baseUrl: base, statusCallback: `${PUBLIC}/x`, from: "+15005550006" },
      { ratePerSecond: 1, concurrency: 1 },
    );
    expect((await sendError(wrongToken.send(message(), target("+8613800000001")))).code).toBe("twilio_20003");
    expect((await sendError(channel().send(message(), target(null)))).code).toBe("no_address");
    expect(
      (await sendError(channel().send(message({ expires: ctx().clock.now }), target("+8613800000001")))).code,
    ).toBe("expired");
  });
});

describe("the twilio client's HTTP transport (channels/sms/client.ts)", () => {
  it("a gateway that takes the connection and never answers is a retryable timeout, not a hang", async () => {
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    try {
      const port = (silent.address() as AddressInfo).port;
      const c = createTwilioClient({
        accountSid: SID,
        authToken: TOKEN,
        baseUrl: `http://127.0.0.1:${port}`,
        timeoutMs: 300,
      });
      const e = classifyTwilioError(
        await c.messages.create({ to: "+8613800000001", body: "x", from: "+15005550006" }).then(
          () => null,
          (err: unknown) => err,
        ),
      );
      expect({ code: e.code, retryable: e.retryable }).toEqual({ code: "network_ETIMEDOUT", retryable: true });
    } finally {
      silent.closeAllConnections();
      await new Promise((r) => silent.close(r));
    }
  });

  it("encodes a list as the key repeated and leaves unset parameters out, as twilio's own transport does", async () => {
    const c = createTwilioClient({ accountSid: SID, authToken: TOKEN, baseUrl: base });
    const seen: string[] = [];
    gw.beforeRespond = async (m) => void seen.push(m.to);
    try {
      await c.messages.create({
        to: "+8613800000031",
        body: "列表",
        from: "+15005550006",
        persistentAction: ["mailto:a@example.org", "geo:42.27,118.95"],
      });
    } finally {
      gw.beforeRespond = null;
    }
    expect(seen).toEqual(["+8613800000031"]);
    expect(gw.forms.at(-1)!.getAll("PersistentAction")).toEqual(["mailto:a@example.org", "geo:42.27,118.95"]);
    expect(gw.forms.at(-1)!.has("StatusCallback")).toBe(false);
    expect(gw.messages.at(-1)!.body).toBe("列表");
  });
});

describe("the whole path: issue → dispatcher → gateway → signed status callbacks", () => {
  async function issueAndSend(c: TestContext, people: number) {
    const ids: number[] = [];
    for (let i = 0; i < people; i++) ids.push(await addPerson(c.tdb.db, { area: V }));
    const w = await createIssued(c, { areas: { codes: [V] }, channels: ["sms"] });
    const sent = await dispatchWith(c, channel());
    return { w, sent };
  }
  const byProvider = async (c: TestContext, sid: string) =>
    (
      await c.tdb.db.execute<{ status: string; error_code: string | null; delivered_at: Date | null }>(
        sql`select status, error_code, delivered_at from deliveries where provider_id = ${sid}`,
      )
    )[0];

  it("sends the rendered template text and moves forward only, whatever order callbacks come in", async () => {
    const c = ctx();
    const before = gw.messages.length;
    const { w, sent } = await issueAndSend(c, 3);
    const rows = await deliveriesOf(c.tdb.db, w.id);
    expect(sent).toBe(rows.length);
    expect(rows.every((r) => r.status === "sent")).toBe(true);
    const mine = gw.messages.slice(before);
    expect(mine).toHaveLength(rows.length);
    expect(mine[0]!.body).toMatch(/^【赤峰市气象局】赤峰市气象台发布暴雨橙色预警\[Ⅱ级\/严重\]：/);
    const [a, b, d] = mine;

    // delivered, then a late `sent` and a duplicate `delivered`: stays delivered, first time kept.
    expect((await callback(c, { MessageSid: a!.sid, MessageStatus: "delivered", AccountSid: SID })).status).toBe(204);
    const first = (await byProvider(c, a!.sid))!.delivered_at;
    expect((await callback(c, { MessageSid: a!.sid, MessageStatus: "sent", AccountSid: SID })).status).toBe(204);
    c.clock.advance(60_000);
    expect((await callback(c, { MessageSid: a!.sid, MessageStatus: "delivered", AccountSid: SID })).status).toBe(204);
    expect(await byProvider(c, a!.sid)).toMatchObject({ status: "delivered", delivered_at: first });

    // undelivered with Twilio's error code
    await callback(c, { MessageSid: b!.sid, MessageStatus: "undelivered", ErrorCode: "30003", AccountSid: SID });
    expect(await byProvider(c, b!.sid)).toMatchObject({ status: "failed", error_code: "twilio_30003" });

    // queued/sending say nothing new
    await callback(c, { MessageSid: d!.sid, MessageStatus: "sending", AccountSid: SID });
    expect((await byProvider(c, d!.sid))!.status).toBe("sent");
  });

  it("the callback URL names the sender's lane: a callback to it applies; another lane is only a narrower search (applied all the same); a malformed lane is refused (422)", async () => {
    const c = ctx();
    const before = gw.messages.length;
    await issueAndSend(c, 3);
    const [a, b, d] = gw.messages.slice(before);
    const at = (m: { statusCallback?: string }, lane?: string) => {
      const u = new URL(m.statusCallback!);
      if (lane !== undefined) u.searchParams.set("lane", lane);
      return { path: u.pathname + u.search, url: PUBLIC + u.pathname + u.search };
    };
    expect(at(a!).path).toBe("/webhooks/twilio/status?lane=150403");
    const delivered = (sid: string) => ({ MessageSid: sid, MessageStatus: "delivered", AccountSid: SID });
    expect((await callback(c, delivered(a!.sid), at(a!))).status).toBe(204);
    expect((await byProvider(c, a!.sid))!.status).toBe("delivered");
    expect((await callback(c, delivered(b!.sid), at(b!, "150402"))).status).toBe(204);
    expect((await byProvider(c, b!.sid))!.status).toBe("delivered");
    expect((await c.tdb.db.execute(sql`select 1 from status_reports`)).length).toBe(0);
    const bad = await callback(c, delivered(d!.sid), at(d!, "15040x"));
    expect(bad.status).toBe(422);
    expect(bad.headers.get("content-type")).toMatch(/problem\+json/);
    expect((await byProvider(c, d!.sid))!.status).toBe("sent");
  });

  it("a callback that arrives before the send is recorded is kept and applied when it is", async () => {
    const c = ctx();
    gw.beforeRespond = async (m) => {
      const res = await callback(c, { MessageSid: m.sid, MessageStatus: "delivered", AccountSid: SID });
      expect(res.status).toBe(204);
    };
    try {
      const { w } = await issueAndSend(c, 2);
      const rows = await deliveriesOf(c.tdb.db, w.id);
      expect(rows.map((r) => r.status)).toEqual(rows.map(() => "delivered"));
      expect((await c.tdb.db.execute(sql`select 1 from status_reports`)).length).toBe(0);
    } finally {
      gw.beforeRespond = null;
    }
  });

  it("2,000 delivered callbacks racing their sends' records are all applied (none left parked)", async () => {
    const c = ctx();
    const village = "150403001002";
    await c.tdb.db.execute(sql`
      insert into recipients (name, phone, area_code, village_code, audiences, dedupe_key)
      select 'race' || i, '+8613500' || lpad(i::text, 5, '0'), ${village}, ${village}, array['public'], 'race:' || i
      from generate_series(1, 2000) i`);
    const w = await createIssued(c, { areas: { codes: [village] }, channels: ["sms"], level: "red" });
    // The provider reports as fast as it answers: the callback is sent, not awaited, before
    // the 201, so it lands before, during or after the dispatcher records the send.
    const inFlight: Promise<unknown>[] = [];
    gw.beforeRespond = async (m) => {
      inFlight.push(callback(c, { MessageSid: m.sid, MessageStatus: "delivered", AccountSid: SID }));
    };
    const fast = new TwilioSmsChannel(
      {
        accountSid: SID,
        authToken: TOKEN,
        baseUrl: base,
        from: "+15005550006",
        statusCallback: `${PUBLIC}/webhooks/twilio/status`,
      },
      { ratePerSecond: 5_000, concurrency: 32 },
      () => c.clock.now,
    );
    const runner = new DispatchRunner({
      db: c.tdb.db,
      sql: c.tdb.sql,
      channels: [fast],
      renderer: rendererFor(c.services),
      log: silentLogger,
      now: () => c.clock.now,
      maintenanceMs: 200,
    });
    await runner.start();
    try {
      const delivered = async () => {
        const [r] = await c.tdb.db.execute<{ n: number }>(sql`
          select count(*)::int as n from deliveries where warning_id = ${w.id} and status = 'delivered'`);
        return r!.n;
      };
      await vi.waitUntil(async () => (await delivered()) === 2000, { timeout: 90_000, interval: 200 });
    } finally {
      gw.beforeRespond = null;
      await runner.stop();
      await Promise.all(inFlight);
    }
    const statuses = (await Promise.all(inFlight)) as Response[];
    expect(statuses.every((r) => r.status === 204)).toBe(true);
    const [left] = await c.tdb.db.execute<{ n: number }>(sql`select count(*)::int as n from status_reports`);
    expect(left!.n).toBe(0);
  }, 120_000);

  it("refuses missing, forged, other-URL and tampered signatures with 403 and applies nothing", async () => {
    const c = ctx();
    const { w } = await issueAndSend(c, 1);
    const [row] = await c.tdb.db.execute<{ provider_id: string }>(
      sql`select provider_id from deliveries where warning_id = ${w.id}`,
    );
    const sid = row!.provider_id;
    const params = { MessageSid: sid, MessageStatus: "delivered", AccountSid: SID };
    const refused = [
      await callback(c, params, { signature: null }),
      await callback(c, params, { token: "not-the-token" }),
      await callback(c, params, { url: "https://attacker.example/webhooks/twilio/status" }),
      await callback(c, params, { url: `${PUBLIC}/webhooks/twilio/inbound` }),
      await callback(c, params, {
        signature: twilio.getExpectedTwilioSignature(TOKEN, `${PUBLIC}/webhooks/twilio/status`, {
          ...params,
          MessageStatus: "failed",
        }),
      }),
    ];
    for (const r of refused) {
      expect(r.status).toBe(403);
      expect(await r.json()).toMatchObject({ code: "forbidden", rule: "twilio_signature" });
    }
    expect((await byProvider(c, sid))!.status).toBe("sent");
    const json = await c.app.request("/webhooks/twilio/status", {
      method: "POST",
      body: "{}",
      headers: { "content-type": "application/json" },
    });
    expect(json.status).toBe(415);
    expect((await callback(c, params)).status).toBe(204);
    expect((await byProvider(c, sid))!.status).toBe("delivered");
  });

  it("without TWILIO_AUTH_TOKEN the webhooks refuse everything", async () => {
    const c = ctx();
    c.services.config.twilioAuthToken = undefined;
    try {
      expect((await callback(c, { MessageSid: "SMx", MessageStatus: "delivered" })).status).toBe(403);
    } finally {
      c.services.config.twilioAuthToken = TOKEN;
    }
  });
});

describe("SMS replies acknowledge (叫应)", () => {
  it("a reply of 收到 or 1 acknowledges the sender's latest SMS of a warning in force; other text does nothing", async () => {
    const c = ctx();
    const phone = "+8613912345678";
    const pid = await addPerson(c.tdb.db, { area: V, phone, audiences: ["public", "grid_worker"], role: "primary" });
    const w = await createIssued(c, { areas: { codes: [V] }, channels: ["sms"], audiences: ["grid_worker"] });
    await dispatchWith(c, channel());
    const mine = async () => (await deliveriesOf(c.tdb.db, w.id)).find((d) => d.recipient_id === pid)!;
    expect((await mine()).status).toBe("sent");
    const reply = (body: string, from = phone) =>
      callback(
        c,
        {
          MessageSid: "SM" + Math.random().toString(16).slice(2),
          From: from,
          To: "+15005550006",
          Body: body,
          AccountSid: SID,
        },
        { path: "/webhooks/twilio/inbound" },
      );

    const chat = await reply("今天下雨吗？");
    expect(chat.status).toBe(200);
    expect(chat.headers.get("content-type")).toMatch(/^text\/xml/);
    expect((await mine()).status).toBe("sent");
    expect((await reply("收到", "+8613000000000")).status).toBe(200); // nobody we know

    expect((await reply(" 收到！")).status).toBe(200);
    expect((await mine()).status).toBe("acknowledged");
    const audit = await c.tdb.db.execute<{ actor: string; action: string }>(
      sql`select actor, action from audit_log where subject_id = ${String((await mine()).id)}`,
    );
    expect(audit).toEqual([{ actor: `sms:${phone}`, action: "delivery.acknowledge" }]);
    expect((await reply("1")).status).toBe(200); // idempotent
    expect((await reply("1", "not-a-number")).status).toBe(422);
  });

  it("our Web Crypto signature equals the twilio library's, and its validator accepts ours", async () => {
    const cases: [string, Record<string, string>][] = [
      ["https://a.example/webhooks/twilio/status", { MessageSid: "SM1", MessageStatus: "delivered" }],
      ["https://a.example/webhooks/twilio/inbound?x=1", { Body: "收到 ✓", From: "+8613800000000", Z: "", A: "&=" }],
      ["https://a.example/", {}],
    ];
    for (const [url, params] of cases) {
      const ours = await twilioSignature(TOKEN, url, params);
      expect(ours).toBe(twilio.getExpectedTwilioSignature(TOKEN, url, params));
      expect(twilio.validateRequest(TOKEN, ours, url, params)).toBe(true);
      expect(await verifyTwilioSignature(TOKEN, url, params, ours)).toBe(true);
      expect(await verifyTwilioSignature(TOKEN, url + "x", params, ours)).toBe(false);
    }
  });
});
