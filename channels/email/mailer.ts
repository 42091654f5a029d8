// Non-warning mail (the daily digest) over the same transport as the email channel.
import type { Mailer, MailMessage } from "../../src/lib/mailer.js";
import type { MailTransport } from "./transport.js";

export function transportMailer(t: MailTransport, from: string): Mailer {
  return {
    async send(m: MailMessage) {
      const info = await t.transporter.sendMail({
        from,
        to: m.to,
        subject: m.subject,
        text: m.text,
        ...(m.html ? { html: m.html } : {}),
        headers: { "Auto-Submitted": "auto-generated" },
      });
      await t.deliver(info as { messageId: string; message?: unknown });
      return { messageId: info.messageId };
    },
  };
}
