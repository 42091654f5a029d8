// Web Crypto only, so the same code runs on Node and on Workers.

const hex = (buf: ArrayBuffer) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");

/** SHA-256 of a high-entropy secret (API key, device token). Salting adds nothing for
 * 256-bit random tokens and would prevent lookup by hash. */
export async function sha256Hex(text: string): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
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
