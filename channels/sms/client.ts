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
}

export type TwilioClient = ReturnType<typeof twilio>;

export function createTwilioClient(o: TwilioClientOptions): TwilioClient {
  const opts: Parameters<typeof twilio>[2] = { autoRetry: false, timeout: o.timeoutMs ?? 15_000 };
  if (o.baseUrl) {
    const base = o.baseUrl.replace(/\/+$/, "");
    class GatewayRequestClient extends twilio.RequestClient {
      override request<T>(req: RequestClient.RequestOptions<T>) {
        const u = new URL(req.uri);
        return super.request<T>({ ...req, uri: base + u.pathname + u.search });
      }
    }
    opts.httpClient = new GatewayRequestClient({ timeout: o.timeoutMs ?? 15_000, keepAlive: true, maxSockets: 64 });
  }
  return twilio(o.accountSid, o.authToken, opts);
}
