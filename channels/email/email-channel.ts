// Email: one message per delivery (recipients never see each other's addresses), text
// and HTML parts, Message-ID derived from the delivery so a retried send carries the
// same id and receiving systems can drop the duplicate.
import type { SentMessageInfo } from "nodemailer";
import { ChannelError, type Channel, type OutboundMessage, type Pace, type Receipt, type Target } from "../contract.js";
import { classifySmtpError, replyCode } from "./errors.js";
import type { MailTransport } from "./transport.js";

export class EmailChannel implements Channel {
  readonly kind = "email" as const;
  private readonly domain: string;

  constructor(
    private readonly transport: MailTransport,
    private readonly from: string,
    readonly pace: Pace,
  ) {
    this.domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? "warncast.local";
  }

  async send(m: OutboundMessage, t: Target): Promise<Receipt> {
    if (!t.address) throw new ChannelError("recipient has no email address", "no_address", false);
    const messageId = `<d${m.deliveryId}.${m.warningId}@${this.domain}>`;
    let info: SentMessageInfo;
    try {
      info = await this.transport.transporter.sendMail({
        from: this.from,
        to: t.address,
        subject: m.subject ?? m.text.split("\n")[0],
        text: m.text,
        ...(m.html ? { html: m.html } : {}),
        messageId,
        headers: {
          "X-Warncast-Warning": m.warningId,
          "X-Warncast-Delivery": String(m.deliveryId),
          "Auto-Submitted": "auto-generated",
        },
      });
    } catch (e) {
      throw classifySmtpError(e);
    }
    // A rejected recipient does not throw in nodemailer: read it from the result.
    const rejected = (info.rejected ?? []).map(String);
    if (rejected.includes(t.address)) {
      const why = (info as { rejectedErrors?: { response?: string; responseCode?: number }[] }).rejectedErrors?.[0];
      const code = why?.responseCode ?? replyCode(why?.response) ?? 550;
      throw new ChannelError(why?.response ?? `recipient ${t.address} rejected`, `smtp_${code}`, code < 500);
    }
    await this.transport.deliver(info as { messageId: string; message?: unknown });
    // Without delivery status notifications, the server accepting the message for this
    // recipient is the last word we get: it counts as delivered (README: Email).
    return { providerId: info.messageId ?? messageId, status: "delivered" };
  }

  async health() {
    if (this.transport.kind === "outbox") return { ok: true, detail: this.transport.describe };
    try {
      await this.transport.transporter.verify();
      return { ok: true, detail: this.transport.describe };
    } catch (e) {
      return { ok: false, detail: (e as Error).message };
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
