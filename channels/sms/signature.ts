// X-Twilio-Signature: base64(HMAC-SHA1(auth token, URL + each POST parameter's name and
// value, sorted by name)). On node:crypto, which Workers provide under nodejs_compat (the
// twilio package itself does not belong in the Worker bundle): Web Crypto's sign cost the
// HTTP thread ~185 µs a callback, and a city's receipts arrive at the sending rate. Tests
// check it against the twilio library's own getExpectedTwilioSignature and validateRequest.
import { createHmac } from "node:crypto";

export async function twilioSignature(authToken: string, url: string, params: Record<string, string>): Promise<string> {
  const mac = createHmac("sha1", authToken).update(url, "utf8");
  for (const k of Object.keys(params).sort()) mac.update(k + params[k], "utf8");
  return mac.digest("base64");
}

/** Constant-time over equal lengths: the comparison leaks nothing about the right value. */
export async function verifyTwilioSignature(
  authToken: string,
  url: string,
  params: Record<string, string>,
  signature: string | undefined,
): Promise<boolean> {
  if (!signature) return false;
  const expected = await twilioSignature(authToken, url, params);
  if (expected.length !== signature.length) return false;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ signature.charCodeAt(i);
  return diff === 0;
}
