// The real twilio client, optionally pointed at any Twilio-compatible gateway. `edge` and
// `region` only pick among Twilio's own hosts, so a custom base URL needs an httpClient
// that rewrites each request's URI.
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

export function createTwilioClient(o: TwilioClientOptions): TwilioClient {
  const opts: Parameters<typeof twilio>[2] = { autoRetry: false, timeout: o.timeoutMs ?? 15_000 };
  const base = o.baseUrl?.replace(/\/+$/, "");
  // twilio's RestException keeps the body's message, code and details but drops the
  // headers, so a 429's Retry-After is carried into `details` for classifyTwilioError.
  class WarncastRequestClient extends twilio.RequestClient {
    override async request<T>(req: RequestClient.RequestOptions<T>) {
      const u = new URL(req.uri);
      const res = await super.request<T>(base ? { ...req, uri: base + u.pathname + u.search } : req);
      const headers = res.headers as { get?: (h: string) => unknown; [h: string]: unknown } | undefined;
      const header = headers?.get?.("retry-after") ?? headers?.["retry-after"];
      const wait = res.statusCode >= 400 ? retryAfterMs(typeof header === "string" ? header : undefined) : undefined;
      if (wait === undefined) return res;
      try {
        const body = (typeof res.body === "string" ? JSON.parse(res.body) : res.body) as { details?: object } | null;
        if (!body || typeof body !== "object") return res;
        const withHint = { ...body, details: { ...body.details, retryAfterMs: wait } };
        return { ...res, body: (typeof res.body === "string" ? JSON.stringify(withHint) : withHint) as T };
      } catch {
        return res;
      }
    }
  }
  opts.httpClient = new WarncastRequestClient({
    timeout: o.timeoutMs ?? 15_000,
    keepAlive: true,
    maxSockets: o.maxSockets ?? 64,
  });
  return twilio(o.accountSid, o.authToken, opts);
}
