// Node-only: the channel adapters this process sends through, chosen from the
// environment (real providers when configured, local sinks otherwise; county broadcast
// platforms are registered through the API), and the renderer
// that gives them their text. Each adapter lives in channels/<kind>/. Loudspeakers and
// displays are not here: the device hub (src/hub) owns them.
import { join } from "node:path";
import type { Channel } from "../../channels/contract.js";
import { TwilioSmsChannel } from "../../channels/sms/twilio-channel.js";
import { SimulatedSmsChannel } from "../../channels/sms/simulator.js";
import { EmailChannel } from "../../channels/email/email-channel.js";
import { EbChannel } from "../../channels/eb/eb-channel.js";
import { createMailTransport } from "../../channels/email/transport.js";
import { transportMailer } from "../../channels/email/mailer.js";
import type { Mailer } from "../lib/mailer.js";
import type { Env } from "../config/env.js";
import type { Logger } from "../lib/log.js";
import type { MessageRenderer } from "../dispatch/render.js";
import { ReportBatcher } from "../dispatch/report-batcher.js";
import { rendererFor } from "../templates/default.js";
import type { Services } from "../services.js";

export interface ChannelSetup {
  channels: Channel[];
  renderer: MessageRenderer;
  /** Digests and other non-warning mail, over the email channel's transport. */
  mailer: Mailer;
  /** One line per channel for the start banner (e.g. "SMS: simulated"). */
  banner: string[];
  close(): Promise<void>;
}

export async function setupChannels(env: Env, services: Services, log: Logger): Promise<ChannelSetup> {
  const banner: string[] = [];
  const closers: (() => Promise<void> | void)[] = [];

  let sms: Channel;
  const smsPace = { ratePerSecond: env.SMS_RATE_PER_SECOND, concurrency: env.SMS_CONCURRENCY };
  if (env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN) {
    sms = new TwilioSmsChannel({
      accountSid: env.TWILIO_ACCOUNT_SID, authToken: env.TWILIO_AUTH_TOKEN, from: env.TWILIO_FROM,
      messagingServiceSid: env.TWILIO_MESSAGING_SERVICE_SID, baseUrl: env.TWILIO_API_BASE_URL,
      statusCallback: `${services.config.publicUrl.replace(/\/+$/, "")}/webhooks/twilio/status`,
    }, smsPace);
    banner.push(`SMS: Twilio${env.TWILIO_API_BASE_URL ? ` via ${env.TWILIO_API_BASE_URL}` : ""}, status callbacks to ${services.config.publicUrl}/webhooks/twilio/status`);
  } else {
    const reports = new ReportBatcher(services.db, log.child({ part: "sms-simulator" }));
    const sim = new SimulatedSmsChannel({ pace: smsPace, deliverAfterMs: env.SMS_SIMULATOR_DELAY_MS, failureRate: env.SMS_SIMULATOR_FAILURE_RATE, onReport: reports.push });
    closers.push(async () => { await sim.close(); await reports.flush(); });
    sms = sim;
    banner.push(`SMS: SIMULATED (no TWILIO_ACCOUNT_SID): delivered after ${env.SMS_SIMULATOR_DELAY_MS} ms, ${Math.round(env.SMS_SIMULATOR_FAILURE_RATE * 100)}% fail`);
  }

  const mail = createMailTransport({ smtpUrl: env.SMTP_URL, poolSize: env.SMTP_POOL_SIZE, outboxDir: join(env.WARNCAST_DATA_DIR, "outbox") });
  const email = new EmailChannel(mail, env.MAIL_FROM, { ratePerSecond: env.EMAIL_RATE_PER_SECOND, concurrency: mail.kind === "smtp" ? env.SMTP_POOL_SIZE * 4 : 8 });
  banner.push(`email: ${mail.kind === "smtp" ? mail.describe : `${mail.describe}; messages are written as .eml files`}`);

  const ours = services.config.ebResourceCode;
  const eb = new EbChannel({ db: services.db, resourceCode: ours, grading: services.grading, now: services.now });
  banner.push(ours
    ? `county broadcast platforms (eb): our EBRID ${ours}; platforms push to ${services.config.publicUrl}/eb/access`
    : "county broadcast platforms (eb): OFF (no EB_RESOURCE_CODE); eb deliveries fail saying so");

  return {
    channels: [sms, email, eb],
    renderer: rendererFor(services),
    mailer: transportMailer(mail, env.MAIL_FROM),
    banner,
    async close() {
      for (const c of closers) await c();
      await email.close();
    },
  };
}
