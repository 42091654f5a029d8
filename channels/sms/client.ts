// The real twilio client, optionally pointed at any Twilio-compatible gateway, over a lean
// HTTP transport of its own. twilio's default transport (axios) cost about 470 µs of CPU per
// message on this machine's cores, more than the gateway and Postgres together in a city-wide
// fan-out: the sending process's one core capped SMS near 2,000/s and starved the API and
// the device hub beside it. twilio supports a custom `httpClient` for exactly this; the client
// itself (request building, response and RestException parsing) is unchanged.
import http from "node:http";
import https from "node:https";
import twilio from "twilio";
import type RequestClient from "twilio/lib/base/RequestClient.js";

export interface TwilioClientOptions {
  accountSid: string;
  authToken: string;
  /** e.g. http://127.0.0.1:4010 — replaces https://api.twilio.com. */
  baseUrl?: string | undefined;
  timeoutMs?: number;
  /** Keep-alive sockets to the gateway (default 64). */
  maxSockets?: number;
}

export type TwilioClient = ReturnType<typeof twilio>;

/** Seconds or an HTTP date, as Retry-After allows; undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

type Params = Record<string, unknown>;

/** Form encoding as twilio's own transport does it (qs, arrayFormat "repeat"): a list is the
 * key repeated; null and undefined are left out. */
function formEncode(data: Params): string {
  const f = new URLSearchParams();
  for (const [k, v] of Object.entries(data)) {
    for (const one of Array.isArray(v) ? v : [v]) {
      if (one === undefined || one === null) continue;
      f.append(k, one instanceof Date ? one.toISOString() : String(one));
    }
  }
  return f.toString();
}

interface Answer {
  statusCode: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/** twilio's httpClient contract (RequestClient.request): resolve with every HTTP answer,
 * whatever its status (the client raises RestException from it), reject only when there is
 * no answer (connection refused or reset, timeout). */
export class TwilioTransport {
  private readonly agents: { http: http.Agent; https: https.Agent };
  private readonly base: string | undefined;

  constructor(private readonly o: { baseUrl?: string | undefined; timeoutMs: number; maxSockets: number }) {
    const a = { keepAlive: true, maxSockets: o.maxSockets };
    this.agents = { http: new http.Agent(a), https: new https.Agent(a) };
    this.base = o.baseUrl?.replace(/\/+$/, "");
  }

  async request<T>(req: RequestClient.RequestOptions<T>): Promise<{ statusCode: number; body: T; headers: unknown }> {
    const given = new URL(req.uri);
    const url = this.base ? new URL(this.base + given.pathname + given.search) : given;
    if (req.params) {
      const extra = formEncode(req.params as Params);
      if (extra) url.search += (url.search ? "&" : "") + extra;
    }
    const headers: Record<string, string> = { ...(req.headers as Record<string, string> | undefined) };
    if (req.username && req.password)
      headers.Authorization = "Basic " + Buffer.from(`${req.username}:${req.password}`).toString("base64");
    else if (req.authStrategy) headers.Authorization = await req.authStrategy.getAuthString();
    let payload: string | undefined;
    if (req.data !== undefined && req.data !== null) {
      const type = headers["Content-Type"] ?? headers["content-type"];
      payload = type === "application/json" ? JSON.stringify(req.data) : formEncode(req.data as Params);
      headers["Content-Length"] = String(Buffer.byteLength(payload));
    }
    const answer = await this.send(url, req.method.toUpperCase(), headers, payload, req.timeout ?? this.o.timeoutMs);
    return withRetryHint(answer) as unknown as { statusCode: number; body: T; headers: unknown };
  }

  private send(
    url: URL,
    method: string,
    headers: Record<string, string>,
    payload: string | undefined,
    timeoutMs: number,
  ) {
    const secure = url.protocol === "https:";
    return new Promise<Answer>((resolve, reject) => {
      const r = (secure ? https : http).request(
        url,
        { method, headers, agent: secure ? this.agents.https : this.agents.http },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", reject);
          res.on("end", () =>
            resolve({
              statusCode: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString("utf8"),
              headers: res.headers,
            }),
          );
        },
      );
      r.setTimeout(timeoutMs, () =>
        r.destroy(Object.assign(new Error(`no answer from ${url.host} within ${timeoutMs} ms`), { code: "ETIMEDOUT" })),
      );
      r.on("error", reject);
      r.end(payload);
    });
  }
}

/** twilio's RestException keeps the body's message, code and details but not the headers,
 * so a refusal's Retry-After is carried into `details` for classifyTwilioError. */
function withRetryHint(a: Answer): Answer {
  const header = a.headers["retry-after"];
  const wait = a.statusCode >= 400 ? retryAfterMs(typeof header === "string" ? header : undefined) : undefined;
  if (wait === undefined) return a;
  try {
    const body = JSON.parse(a.body) as { details?: object } | null;
    if (!body || typeof body !== "object") return a;
    return { ...a, body: JSON.stringify({ ...body, details: { ...body.details, retryAfterMs: wait } }) };
  } catch {
    return a;
  }
}

export function createTwilioClient(o: TwilioClientOptions): TwilioClient {
  const timeoutMs = o.timeoutMs ?? 15_000;
  const httpClient = new TwilioTransport({ baseUrl: o.baseUrl, timeoutMs, maxSockets: o.maxSockets ?? 64 });
  return twilio(o.accountSid, o.authToken, {
    autoRetry: false,
    timeout: timeoutMs,
    httpClient: httpClient as unknown as RequestClient,
  });
}
