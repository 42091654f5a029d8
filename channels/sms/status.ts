// Twilio's MessageStatus values mapped onto our delivery states. Runtime-free: the
// webhook route uses it in the Hono app.
import type { StatusParser, StatusReport } from "../contract.js";

const MAP: Record<string, StatusReport["status"] | null> = {
  // Still on Twilio's side: nothing new for us (the send already recorded `sent`).
  accepted: null,
  scheduled: null,
  queued: null,
  sending: null,
  sent: "sent",
  delivered: "delivered",
  read: "delivered",
  undelivered: "failed",
  failed: "failed",
  canceled: "failed",
};

/** A status callback's form parameters → a report, or null when there is nothing to apply. */
export const parseStatus: StatusParser = (p, at) => {
  const sid = p.MessageSid ?? p.SmsSid;
  const status = MAP[(p.MessageStatus ?? p.SmsStatus ?? "").toLowerCase()];
  if (!sid || !status) return null;
  const code = p.ErrorCode && p.ErrorCode !== "0" ? `twilio_${p.ErrorCode}` : undefined;
  return {
    providerId: sid,
    status,
    errorCode: code,
    error: status === "failed" ? p.ErrorMessage || `Twilio status ${p.MessageStatus}` : undefined,
    at,
  };
};
