// SMTP answers sorted by whether trying again can help: 5xx is the receiving server's
// final word about that address (550 no such user); 4xx and broken connections are
// temporary. Authentication failures are an operator's to fix, so they stay retryable.
import { ChannelError } from "../contract.js";

export function classifySmtpError(e: unknown): ChannelError {
  const err = e as { responseCode?: number; code?: string; message?: string; response?: string };
  const message = err?.response ?? err?.message ?? String(e);
  const rc = err?.responseCode;
  if (err?.code === "EAUTH") return new ChannelError(message, `smtp_${rc ?? "auth"}`, true);
  if (typeof rc === "number" && rc >= 500) return new ChannelError(message, `smtp_${rc}`, false);
  if (typeof rc === "number" && rc >= 400) return new ChannelError(message, `smtp_${rc}`, true);
  return new ChannelError(message, err?.code ? `smtp_${err.code}` : "smtp_connection", true);
}

/** The status code in an SMTP reply line such as "550 5.1.1 No such user". */
export function replyCode(response: string | undefined): number | undefined {
  const m = /^(\d{3})/.exec(response ?? "");
  return m ? Number(m[1]) : undefined;
}
