// SMS through Twilio's Messages API (or a compatible gateway). One message per delivery;
// the SID is the provider id that status callbacks are matched on.
import { z } from "zod";
import { ChannelError, type Channel, type OutboundMessage, type Pace, type Receipt, type Target } from "../contract.js";
import { createTwilioClient, type TwilioClient } from "./client.js";
import { classifyTwilioError } from "./errors.js";
import { laneOf } from "../../src/domain/areas.js";

export const twilioConfigSchema = z
  .object({
    accountSid: z.string().min(1),
    authToken: z.string().min(1),
    from: z.string().optional(),
    messagingServiceSid: z.string().optional(),
    baseUrl: z.url().optional(),
    /** PUBLIC_URL + /webhooks/twilio/status */
    statusCallback: z.url(),
  })
  .refine((c) => c.from || c.messagingServiceSid, "TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID is required");
export type TwilioConfig = z.infer<typeof twilioConfigSchema>;

/** Twilio keeps an undelivered message queued at most this long (seconds). */
export const MAX_VALIDITY_S = 36_000;

export class TwilioSmsChannel implements Channel {
  readonly kind = "sms" as const;
  private readonly client: TwilioClient;

  constructor(
    private readonly config: TwilioConfig,
    readonly pace: Pace,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.client = createTwilioClient({
      accountSid: config.accountSid,
      authToken: config.authToken,
      baseUrl: config.baseUrl,
      // A socket per send in flight: fewer would queue requests inside the HTTP agent.
      maxSockets: pace.concurrency,
    });
  }

  async send(m: OutboundMessage, t: Target): Promise<Receipt> {
    if (!t.address) throw new ChannelError("recipient has no phone number", "no_address", false);
    // Never let a warning arrive after it ended: the queue life is capped by the warning's.
    const remaining = Math.floor((m.expires.getTime() - this.now().getTime()) / 1000);
    if (remaining < 1)
      throw new ChannelError("the warning ended before the message could be handed over", "expired", false);
    try {
      const msg = await this.client.messages.create({
        to: t.address,
        body: m.text,
        ...(this.config.messagingServiceSid
          ? { messagingServiceSid: this.config.messagingServiceSid }
          : { from: this.config.from! }),
        // The lane rides in the callback so its update names one county (docs/scale.md).
        statusCallback: `${this.config.statusCallback}?lane=${laneOf(t.villageCode)}`,
        validityPeriod: Math.min(remaining, MAX_VALIDITY_S),
      });
      return { providerId: msg.sid, status: "sent" };
    } catch (e) {
      throw classifyTwilioError(e);
    }
  }

  async health() {
    try {
      await this.client.api.v2010.accounts(this.config.accountSid).fetch();
      return { ok: true };
    } catch (e) {
      return { ok: false, detail: (e as Error).message };
    }
  }
}
