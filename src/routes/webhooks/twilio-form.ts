// Twilio webhooks post a form signed with the account's auth token over the exact URL
// Twilio was given (PUBLIC_URL + path). Anything unsigned, signed for another URL or
// with another token is refused before its content is looked at.
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../http/env.js";
import { bodyText, requireContentType } from "../../http/body.js";
import { zodIssues } from "../../http/validation.js";
import { AppError, validationError } from "../../lib/errors.js";
import { unstorableField } from "../../lib/storable.js";
import { verifyTwilioSignature } from "../../../channels/sms/signature.js";

/** Twilio's are SM + 32 hex; a compatible gateway may use its own, so any short token. It is
 * stored and indexed (status_reports), where a long one would not fit a btree entry. */
export const messageSid = z.string().regex(/^[\w.:-]{1,64}$/, "not a message sid (1–64 letters, digits, _ . : -)");

/** The signed form, checked against `schema` (which names the fields a route relies on). */
export async function readSignedTwilioForm(c: Context<AppEnv>, schema: z.ZodType): Promise<Record<string, string>> {
  const { config, log } = c.get("services");
  if (!config.twilioAuthToken) {
    throw new AppError("forbidden", "Twilio webhooks are not configured here (TWILIO_AUTH_TOKEN is not set)", {
      extra: { rule: "twilio_signature" },
    });
  }
  requireContentType(c, ["application/x-www-form-urlencoded"]);
  const params: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(await bodyText(c))) params[k] = v;
  const url = new URL(c.req.url);
  const signedUrl = config.publicUrl.replace(/\/+$/, "") + url.pathname + url.search;
  if (!(await verifyTwilioSignature(config.twilioAuthToken, signedUrl, params, c.req.header("x-twilio-signature")))) {
    log.warn("twilio webhook with a bad or missing signature", {
      path: url.pathname,
      present: c.req.header("x-twilio-signature") !== undefined,
    });
    throw new AppError("forbidden", "X-Twilio-Signature is missing or does not match this URL and body", {
      extra: { rule: "twilio_signature" },
    });
  }
  const unstorable = unstorableField(params);
  if (unstorable) throw validationError([unstorable]);
  const parsed = schema.safeParse(params);
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  return params;
}
