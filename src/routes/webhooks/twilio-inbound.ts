import { z } from "zod";
import { defineOperation } from "../operation.js";
import { AppError } from "../../lib/errors.js";
import { normalisePhone } from "../../lib/phone.js";
import { applyDeliveryReports } from "../../deliveries/reports.js";
import { latestSmsDeliveryTo } from "../../db/queries/replies.js";
import { writeAudit } from "../../db/queries/audit.js";
import { messageSid, readSignedTwilioForm } from "./twilio-form.js";
import { isAcknowledgement } from "../../domain/escalation.js";

const form = z.looseObject({ MessageSid: messageSid.optional() });

const TWIML_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

export default defineOperation({
  method: "post",
  path: "/webhooks/twilio/inbound",
  summary: "Incoming SMS: a reply such as 1 or 收到 acknowledges the sender's latest SMS of a warning in force (叫应)",
  tag: "webhooks",
  auth: "twilioSignature",
  bodyType: "application/x-www-form-urlencoded",
  success: [200, "empty TwiML (no automatic answer)"],
  responseType: "text/xml",
  handler: async (c) => {
    const { db, now, log } = c.get("services");
    const p = await readSignedTwilioForm(c, form);
    const from = normalisePhone(p.From ?? "");
    if (!from.ok)
      throw new AppError("validation_failed", `From: ${from.reason}`, {
        errors: [{ path: "From", message: from.reason }],
      });
    const xml = () => c.body(TWIML_EMPTY, 200, { "content-type": "text/xml; charset=utf-8" });
    if (!isAcknowledgement(p.Body ?? "")) {
      log.info("sms reply is not an acknowledgement", { messageSid: p.MessageSid });
      return xml();
    }
    const d = await latestSmsDeliveryTo(db, from.e164);
    if (!d) {
      log.info("sms acknowledgement matches no delivery in force", { messageSid: p.MessageSid });
      return xml();
    }
    await db.transaction(async (tx) => {
      const changed = await applyDeliveryReports(tx, [{ deliveryId: d.id, status: "acknowledged", at: now() }]);
      if (changed.length > 0) {
        await writeAudit(tx, {
          actor: `sms:${from.e164}`,
          actorKind: "webhook",
          action: "delivery.acknowledge",
          subjectType: "delivery",
          subjectId: String(d.id),
          before: { status: d.status },
          after: { status: "acknowledged", via: "sms_reply", messageSid: p.MessageSid },
          requestId: c.get("requestId"),
        });
      }
    });
    return xml();
  },
});
