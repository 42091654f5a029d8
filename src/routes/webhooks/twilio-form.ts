// Twilio webhooks post a form signed with the account's auth token over the exact URL
// Twilio was given (PUBLIC_URL + path). Anything unsigned, signed for another URL or
// with another token is refused before its content is looked at.
import type { Context } from "hono";
import type { AppEnv } from "../../http/env.js";
import { requireContentType } from "../../http/body.js";
import { AppError } from "../../lib/errors.js";
import { verifyTwilioSignature } from "../../../channels/sms/signature.js";

export async function readSignedTwilioForm(c: Context<AppEnv>): Promise<Record<string, string>> {
  const { config, log } = c.get("services");
  if (!config.twilioAuthToken) {
    throw new AppError("forbidden", "Twilio webhooks are not configured here (TWILIO_AUTH_TOKEN is not set)", { extra: { rule: "twilio_signature" } });
  }
  requireContentType(c, ["application/x-www-form-urlencoded"]);
  const params: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(await c.req.text())) params[k] = v;
  const url = new URL(c.req.url);
  const signedUrl = config.publicUrl.replace(/\/+$/, "") + url.pathname + url.search;
  if (!(await verifyTwilioSignature(config.twilioAuthToken, signedUrl, params, c.req.header("x-twilio-signature")))) {
    log.warn("twilio webhook with a bad or missing signature", { path: url.pathname, present: c.req.header("x-twilio-signature") !== undefined });
    throw new AppError("forbidden", "X-Twilio-Signature is missing or does not match this URL and body", { extra: { rule: "twilio_signature" } });
  }
  return params;
}
