// One log line per request, except what comes at the sending rate: a provider's answered
// webhooks (Twilio's status callbacks, one per message and state) are logged at debug, so a
// city-wide warning's millions of receipts do not bury the errors of the night.
import { describe, expect, it } from "vitest";
import twilio from "twilio";
import { useContext } from "../helpers/context.js";
import { createApp } from "../../src/app.js";
import { createLogger } from "../../src/lib/log.js";

const ctx = useContext();
const TOKEN = "test_auth_token_" + "l".repeat(16);
const PUBLIC = "https://warncast.example.gov.cn";

describe("request log", () => {
  it("logs staff requests and refused webhooks at info, answered webhooks at debug", async () => {
    const lines: { level: string; msg: string; path?: string; status?: number }[] = [];
    const log = createLogger({ level: "debug", write: (l) => lines.push(JSON.parse(l)) });
    const services = {
      ...ctx().services,
      log,
      config: { ...ctx().services.config, publicUrl: PUBLIC, twilioAuthToken: TOKEN },
    };
    const app = createApp(services);
    const path = "/webhooks/twilio/status";
    const params = { MessageSid: "SMnotoursatall01", MessageStatus: "delivered" };
    const post = (signature: string | null) =>
      app.request(path, {
        method: "POST",
        body: new URLSearchParams(params).toString(),
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          ...(signature ? { "x-twilio-signature": signature } : {}),
        },
      });
    expect((await post(twilio.getExpectedTwilioSignature(TOKEN, PUBLIC + path, params))).status).toBe(204);
    expect((await post(null)).status).toBe(403);
    const staff = await app.request("/api/v1/warnings", {
      headers: { authorization: `Bearer ${ctx().users.admin.key}` },
    });
    expect(staff.status).toBe(200);
    const requests = lines.filter((l) => l.msg === "request").map((l) => [l.level, l.path, l.status]);
    expect(requests).toEqual([
      ["debug", path, 204],
      ["info", path, 403],
      ["info", "/api/v1/warnings", 200],
    ]);
  });
});
