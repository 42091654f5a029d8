import { z } from "zod";
import { defineOperation } from "../operation.js";
import { AppError } from "../../lib/errors.js";
import { reportCoalescer } from "../../deliveries/report-coalescer.js";
import { parseStatus } from "../../../channels/sms/status.js";
import { messageSid, readSignedTwilioForm } from "./twilio-form.js";

const form = z.looseObject({ MessageSid: messageSid.optional(), SmsSid: messageSid.optional() });
/** The sender's county lane, put in the callback URL at send time (absent in callbacks of
 * messages sent before it was). It only narrows the search: a wrong lane finds nothing and
 * the report is parked and the unscoped look that follows applies it. */
const query = z.strictObject({
  lane: z
    .string()
    .regex(/^\d{6}$/, "a 6-digit county code")
    .optional(),
});

export default defineOperation({
  method: "post",
  path: "/webhooks/twilio/status",
  summary:
    "Twilio status callback: applies MessageStatus to the delivery with that MessageSid (forward-only, idempotent; early callbacks are parked until the send is recorded)",
  tag: "webhooks",
  auth: "twilioSignature",
  bodyType: "application/x-www-form-urlencoded",
  query,
  success: [204, "applied (or nothing to apply)"],
  handler: async (c, req) => {
    const { db, receiptsDb, now } = c.get("services");
    const p = await readSignedTwilioForm(c, form);
    if (!p.MessageSid && !p.SmsSid)
      throw new AppError("validation_failed", "MessageSid is required", {
        errors: [{ path: "MessageSid", message: "required" }],
      });
    const report = parseStatus(p, now());
    // Answered once applied: callbacks arriving together share one statement.
    if (report) await reportCoalescer(receiptsDb ?? db).apply(report, req.query.lane);
    return c.body(null, 204);
  },
});
