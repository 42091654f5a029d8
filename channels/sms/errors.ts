// Twilio's answers sorted by whether trying again can help (DESIGN §5). Codes from
// Twilio's error dictionary; unknown 4xx are permanent, unknown 5xx retryable.
import { ChannelError } from "../contract.js";

/** Queue full / rate limited on Twilio's side: the same message may go through later. */
const RETRYABLE_CODES = new Set([20429, 21611, 30001, 30008, 30022]);
/** Credentials or account trouble: an operator fixes it, then the retries succeed. */
const CONFIG_CODES = new Set([20003, 20005, 21606, 21212]);

export function classifyTwilioError(e: unknown): ChannelError {
  const err = e as { status?: number; code?: number | string; message?: string; details?: { retryAfterMs?: unknown } };
  const hinted = typeof err?.details?.retryAfterMs === "number" ? err.details.retryAfterMs : undefined;
  const message = err?.message ?? String(e);
  if (typeof err?.status === "number") {
    const code = typeof err.code === "number" ? err.code : Number(err.code ?? NaN);
    const label = Number.isFinite(code) ? `twilio_${code}` : `http_${err.status}`;
    if (err.status === 429 || RETRYABLE_CODES.has(code)) return new ChannelError(message, label, true, hinted ?? 1000);
    if (err.status >= 500) return new ChannelError(message, label, true, hinted);
    if (err.status === 401 || CONFIG_CODES.has(code)) return new ChannelError(message, label, true);
    // 21211 invalid To, 21614 not a mobile number, 21610 unsubscribed, 21408 region not enabled…
    return new ChannelError(message, label, false);
  }
  // No HTTP answer at all: connection refused/reset, DNS, TLS, timeout.
  const net = (err as { code?: string })?.code;
  return new ChannelError(message, typeof net === "string" ? `network_${net}` : "network", true);
}
