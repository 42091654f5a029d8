// The email channel's module: pooled SMTP from SMTP_URL, else .eml files in a local
// outbox. The same transport carries report mail (the daily digest).
import { join } from "node:path";
import { z } from "zod";
import { defineChannel } from "../contract.js";
import { EmailChannel } from "./email-channel.js";
import { transportMailer } from "./mailer.js";
import { createMailTransport } from "./transport.js";

const configSchema = z.object({
  smtpUrl: z
    .string()
    .regex(/^smtps?:\/\//, "must be smtp:// or smtps://")
    .optional(),
  from: z.string().min(1),
  poolSize: z.number().int().min(1),
  ratePerSecond: z.number().positive(),
  outboxDir: z.string().min(1),
});

export const email = defineChannel({
  kind: "email",
  configSchema,
  settings: ({ env }) => ({
    smtpUrl: env.SMTP_URL,
    from: env.MAIL_FROM,
    poolSize: env.SMTP_POOL_SIZE,
    ratePerSecond: env.EMAIL_RATE_PER_SECOND,
    outboxDir: join(env.WARNCAST_DATA_DIR, "outbox"),
  }),
  create: (c) => {
    const mail = createMailTransport({ smtpUrl: c.smtpUrl, poolSize: c.poolSize, outboxDir: c.outboxDir });
    const channel = new EmailChannel(mail, c.from, {
      ratePerSecond: c.ratePerSecond,
      concurrency: mail.kind === "smtp" ? c.poolSize * 4 : 8,
    });
    return {
      channel,
      banner: `email: ${mail.kind === "smtp" ? mail.describe : `${mail.describe}; messages are written as .eml files`}`,
      mailer: transportMailer(mail, c.from),
      close: () => channel.close(),
    };
  },
});
