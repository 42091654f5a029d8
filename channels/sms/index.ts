// The SMS channel's module: Twilio (or a compatible gateway) when configured, else the
// simulator, whose reports take the same status path as Twilio's callbacks.
import { z } from "zod";
import { defineChannel } from "../contract.js";
import { ReportBatcher } from "../../src/dispatch/report-batcher.js";
import { SimulatedSmsChannel } from "./simulator.js";
import { twilioConfigSchema, TwilioSmsChannel } from "./twilio-channel.js";
import { callbackBase } from "../../src/services.js";

const configSchema = z.object({
  pace: z.object({ ratePerSecond: z.number().positive(), concurrency: z.number().int().min(1) }),
  /** Absent: the simulator. */
  twilio: twilioConfigSchema.optional(),
  simulator: z.object({ deliverAfterMs: z.number().int().min(0), failureRate: z.number().min(0).max(1) }),
});

/** Sends in flight that keep up with `rate` when a gateway answers in about 50 ms (Little's
 * law), so raising the pace alone is enough; a fixed 32 capped a 5,000/s pace near 1,200/s. */
export const concurrencyFor = (rate: number) => Math.min(256, Math.max(32, Math.ceil(rate * 0.05)));

export const sms = defineChannel({
  kind: "sms",
  configSchema,
  settings: ({ env, services }) => ({
    pace: {
      ratePerSecond: env.SMS_RATE_PER_SECOND,
      concurrency: env.SMS_CONCURRENCY ?? concurrencyFor(env.SMS_RATE_PER_SECOND),
    },
    twilio:
      env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN
        ? {
            accountSid: env.TWILIO_ACCOUNT_SID,
            authToken: env.TWILIO_AUTH_TOKEN,
            from: env.TWILIO_FROM,
            messagingServiceSid: env.TWILIO_MESSAGING_SERVICE_SID,
            baseUrl: env.TWILIO_API_BASE_URL,
            statusCallback: `${callbackBase(services.config)}/webhooks/twilio/status`,
          }
        : undefined,
    simulator: { deliverAfterMs: env.SMS_SIMULATOR_DELAY_MS, failureRate: env.SMS_SIMULATOR_FAILURE_RATE },
  }),
  create: (c, { services, log }) => {
    if (c.twilio) {
      const via = c.twilio.baseUrl ? ` via ${c.twilio.baseUrl}` : "";
      return {
        channel: new TwilioSmsChannel(c.twilio, c.pace),
        banner: `SMS: Twilio${via}, status callbacks to ${callbackBase(services.config)}/webhooks/twilio/status`,
      };
    }
    const reports = new ReportBatcher(services.db, log.child({ part: "sms-simulator" }));
    const sim = new SimulatedSmsChannel({ pace: c.pace, ...c.simulator, onReport: reports.push });
    const failing = Math.round(c.simulator.failureRate * 100);
    return {
      channel: sim,
      banner:
        `SMS: SIMULATED (no TWILIO_ACCOUNT_SID): delivered after ${c.simulator.deliverAfterMs} ms, ` +
        `${failing}% fail`,
      async close() {
        await sim.close();
        await reports.flush();
      },
    };
  },
});
