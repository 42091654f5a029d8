// The Node runtime's Services from its environment: the same for the HTTP process and its
// dispatch thread (dispatch-thread.ts), so both render and send with one configuration.
import type { Env } from "../config/env.js";
import { defaultGrading, defaultPolicy } from "../config/grading.js";
import type { Db } from "../db/client.js";
import type { Logger } from "../lib/log.js";
import type { TemplateCatalog } from "../templates/catalog.js";
import { defaultServiceConfig, type Services } from "../services.js";

/** `webhookUrl`: the webhook listener's address, once it is listening (WEBHOOK_PORT). */
export function nodeServices(
  env: Env,
  db: Db,
  templates: TemplateCatalog,
  log: Logger,
  o: { webhookUrl?: string | undefined } = {},
): Services {
  return {
    db,
    grading: defaultGrading,
    policy: defaultPolicy,
    config: {
      ...defaultServiceConfig,
      sender: env.WARNCAST_SENDER,
      senderName: env.WARNCAST_SENDER_NAME,
      smsSignature: env.SMS_SIGNATURE,
      publicUrl: env.PUBLIC_URL ?? `http://127.0.0.1:${env.PORT}`,
      webhookUrl: o.webhookUrl,
      tzDisplay: env.TZ_DISPLAY,
      twilioAuthToken: env.TWILIO_AUTH_TOKEN,
      sessionSecret: env.SESSION_SECRET,
      digestEmails: env.DIGEST_EMAILS,
      ebResourceCode: env.EB_RESOURCE_CODE,
      clientAddressHeader: env.CLIENT_ADDRESS_HEADER,
      maxCsvBytes: env.MAX_CSV_BYTES,
      ledgerRetentionMonths: env.LEDGER_RETENTION_MONTHS,
    },
    log,
    now: () => new Date(),
    // Read from templates/ (and checked) at every start, so edits need only a restart.
    templates,
  };
}
