// Runs on Node and on Workers (nodejs_compat provides node:crypto there). Hashes go through
// node:crypto, not Web Crypto: crypto.subtle answers through a job promise, and measured
// on a server taking Twilio receipts at the sending rate the Web Crypto path cost ~185 µs
// of the HTTP thread per call against a few µs.
import { createHash } from "node:crypto";

const hex = (buf: ArrayBuffer) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");

/** SHA-256 of a high-entropy secret (API key, device token). Salting adds nothing for
 * 256-bit random tokens and would prevent lookup by hash. */
export async function sha256Hex(text: string): Promise<string> {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** A random secret with a readable prefix (`wck_` API key, `wcd_` device token). */
export function randomToken(prefix: string, bytes = 24): string {
  const b = crypto.getRandomValues(new Uint8Array(bytes));
  return (
    prefix +
    btoa(String.fromCharCode(...b))
      .replaceAll("+", "-")
      .replaceAll("/", "_")
      .replaceAll("=", "")
  );
}

export function randomId(bytes = 6): string {
  return hex(crypto.getRandomValues(new Uint8Array(bytes)).buffer);
}

/** Constant-time equality of two strings (hashes, tokens): time depends on length only. */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return d === 0;
}
