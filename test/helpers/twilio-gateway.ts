// A loopback HTTP server that speaks the part of Twilio's REST API warncast uses:
// POST /2010-04-01/Accounts/{sid}/Messages.json with Basic auth and a form body,
// answering 201 with Twilio's snake_case JSON or an error JSON with `code`, as
// api.twilio.com does. Tests and benches point the real twilio client at it.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";

export interface GatewayMessage {
  sid: string;
  accountSid: string;
  to: string;
  from: string | undefined;
  messagingServiceSid: string | undefined;
  body: string;
  statusCallback: string | undefined;
  validityPeriod: number | undefined;
}

export interface GatewayError {
  httpStatus: number;
  code: number;
  message: string;
  retryAfter?: string;
}

export class TwilioGateway {
  readonly messages: GatewayMessage[] = [];
  /** The last few request forms as received (a test of the encoding reads them). */
  readonly forms: URLSearchParams[] = [];
  /** Answer for a given To number: an error, or undefined to accept. */
  failFor = new Map<string, GatewayError>();
  /** When set, accepted messages go here instead of into `messages` (a million-message bench
   * keeps what it needs, not every body). */
  record: ((m: GatewayMessage) => void) | null = null;
  /** Called with each accepted message before the 201 goes out (a callback racing the response). */
  beforeRespond: ((m: GatewayMessage) => Promise<void>) | null = null;
  private server: Server | null = null;
  requests = 0;

  constructor(
    readonly accountSid: string,
    readonly authToken: string,
  ) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.requests++;
      void this.handle(req).then(
        ({ status, body, headers }) => {
          res.writeHead(status, { "content-type": "application/json", ...headers });
          res.end(JSON.stringify(body));
        },
        (e) => {
          res.writeHead(500, { "content-type": "application/json" });
          res.end(JSON.stringify({ code: 20500, message: String(e), status: 500 }));
        },
      );
    });
    this.server.keepAliveTimeout = 5_000;
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** A server's environment for sending through this gateway as account `accountSid`,
   * from `from` (call after start). */
  serverEnv(from = "+15005550006"): Record<string, string> {
    if (!this.server) throw new Error("the gateway is not started");
    return {
      TWILIO_ACCOUNT_SID: this.accountSid,
      TWILIO_AUTH_TOKEN: this.authToken,
      TWILIO_FROM: from,
      TWILIO_API_BASE_URL: `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`,
    };
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  private async handle(
    req: IncomingMessage,
  ): Promise<{ status: number; body: unknown; headers?: Record<string, string> }> {
    const m = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(req.url ?? "");
    if (!m || req.method !== "POST")
      return { status: 404, body: { code: 20404, message: "The requested resource was not found", status: 404 } };
    const expected = "Basic " + Buffer.from(`${this.accountSid}:${this.authToken}`).toString("base64");
    if (req.headers.authorization !== expected || m[1] !== this.accountSid) {
      return {
        status: 401,
        body: {
          code: 20003,
          message: "Authenticate",
          more_info: "https://www.twilio.com/docs/errors/20003",
          status: 401,
        },
      };
    }
    if (!(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) {
      return { status: 400, body: { code: 20001, message: "form body expected", status: 400 } };
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
    if (!this.record) {
      this.forms.push(form);
      if (this.forms.length > 20) this.forms.shift();
    }
    const to = form.get("To");
    const body = form.get("Body");
    if (!to) return err(400, 21604, "A 'To' phone number is required.");
    if (!body) return err(400, 21602, "Message body is required.");
    if (!form.get("From") && !form.get("MessagingServiceSid"))
      return err(400, 21603, "A 'From' phone number is required.");
    const fail = this.failFor.get(to);
    if (fail) {
      const e = err(fail.httpStatus, fail.code, fail.message);
      return fail.retryAfter ? { ...e, headers: { "retry-after": fail.retryAfter } } : e;
    }
    const msg: GatewayMessage = {
      sid: "SM" + randomBytes(16).toString("hex"),
      accountSid: this.accountSid,
      to,
      body,
      from: form.get("From") ?? undefined,
      messagingServiceSid: form.get("MessagingServiceSid") ?? undefined,
      statusCallback: form.get("StatusCallback") ?? undefined,
      validityPeriod: form.has("ValidityPeriod") ? Number(form.get("ValidityPeriod")) : undefined,
    };
    if (this.record) this.record(msg);
    else this.messages.push(msg);
    if (this.beforeRespond) await this.beforeRespond(msg);
    const now = new Date().toUTCString().replace("GMT", "+0000");
    const units = body.length;
    return {
      status: 201,
      body: {
        sid: msg.sid,
        account_sid: this.accountSid,
        api_version: "2010-04-01",
        body,
        to,
        from: msg.from ?? null,
        messaging_service_sid: msg.messagingServiceSid ?? null,
        status: "queued",
        direction: "outbound-api",
        num_segments: String(
          /^[\x00-\x7f]*$/.test(body)
            ? units <= 160
              ? 1
              : Math.ceil(units / 153)
            : units <= 70
              ? 1
              : Math.ceil(units / 67),
        ),
        num_media: "0",
        date_created: now,
        date_updated: now,
        date_sent: null,
        error_code: null,
        error_message: null,
        price: null,
        price_unit: "USD",
        uri: `/2010-04-01/Accounts/${this.accountSid}/Messages/${msg.sid}.json`,
        subresource_uris: {},
      },
    };
  }
}

function err(status: number, code: number, message: string) {
  return { status, body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status } };
}
