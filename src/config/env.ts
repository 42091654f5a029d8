// The environment, parsed once at the Node entry; every problem is listed at start-up.
import { z } from "zod";

const url = z.url();

export const envSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL")
    .optional(),
  /** Connections in each of the instance's two pools (HTTP requests; the engine). */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(100).default(10),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default("0.0.0.0"),
  PUBLIC_URL: url.optional(),
  /** Provider webhooks (Twilio's callbacks) on a listener and thread of their own at this
   * port (0: any free one; off: they share PORT). A city's receipts arrive at the sending
   * rate: on the HTTP thread they queued staff requests behind them. Unset: a free port
   * kept across restarts without PUBLIC_URL (shared if none), shared behind PUBLIC_URL. */
  WEBHOOK_PORT: z.union([z.literal("off"), z.coerce.number().int().min(0).max(65535)]).optional(),
  /** The address providers reach WEBHOOK_PORT at (given to Twilio, checked in signatures);
   * unset → http://127.0.0.1:<port>, which only a gateway on this machine reaches. */
  WEBHOOK_PUBLIC_URL: url.optional(),
  TWILIO_ACCOUNT_SID: z.string().optional(),
  TWILIO_AUTH_TOKEN: z.string().optional(),
  TWILIO_FROM: z.string().optional(),
  TWILIO_MESSAGING_SERVICE_SID: z.string().optional(),
  TWILIO_API_BASE_URL: url.optional(),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, "must be smtp:// or smtps://")
    .optional(),
  MAIL_FROM: z.string().default("warncast <warncast@localhost>"),
  SMTP_POOL_SIZE: z.coerce.number().int().min(1).max(50).default(5),
  EMAIL_RATE_PER_SECOND: z.coerce.number().positive().default(200),
  /** Prefixed to every SMS (carriers in China require a registered signature). */
  SMS_SIGNATURE: z.string().default("【赤峰市气象局】"),
  SMS_RATE_PER_SECOND: z.coerce.number().positive().default(100),
  /** Sends in flight; unset → enough for the pace at ~50 ms a request (32 to 256). */
  SMS_CONCURRENCY: z.coerce.number().int().min(1).max(1024).optional(),
  /** Simulator only (no Twilio settings): delay before `delivered`, and the share that fail. */
  SMS_SIMULATOR_DELAY_MS: z.coerce.number().int().min(0).max(600_000).default(1500),
  SMS_SIMULATOR_FAILURE_RATE: z.coerce.number().min(0).max(1).default(0.02),
  TZ_DISPLAY: z.string().default("Asia/Shanghai"),
  WARNCAST_SENDER: z
    .string()
    .regex(/^[^\s,<&]+$/, "CAP sender: no spaces, commas, < or &")
    .default("warncast.chifeng"),
  WARNCAST_SENDER_NAME: z.string().default("赤峰市气象台"),
  WARNCAST_DATA_DIR: z.string().default(".data"),
  /** Seals the console's session cookies; unset → random per start (everyone signs in again). */
  SESSION_SECRET: z.string().min(16, "at least 16 characters").optional(),
  /** Message templates (default: the templates/ folder of this checkout). */
  WARNCAST_TEMPLATES_DIR: z.string().optional(),
  WARNCAST_SEED_DEMO: z.enum(["true", "false"]).default("true"),
  /** Simulated village loudspeakers and displays (src/seed/demo-devices.ts); unset → on with the embedded demo. */
  WARNCAST_DEMO_DEVICES: z.enum(["true", "false"]).optional(),
  WARNCAST_DISPATCH: z.enum(["true", "false"]).default("true"),
  /** Daily coverage digest (08:00 Asia/Shanghai) goes to these addresses; unset → logged only. */
  DIGEST_EMAILS: z
    .string()
    .transform((s) =>
      s
        .split(",")
        .map((a) => a.trim())
        .filter((a) => a !== ""),
    )
    .pipe(z.array(z.email("not an email address (comma-separated list)")))
    .default([]),
  /** Our own 18-digit EBRID (GD/J 080) towards county emergency-broadcast platforms. */
  EB_RESOURCE_CODE: z
    .string()
    .regex(/^\d{18}$/, "an EBRID is 18 digits")
    .optional(),
  /** Behind a reverse proxy: the header it sets to the client address (sign-in throttling). */
  CLIENT_ADDRESS_HEADER: z
    .string()
    .regex(/^[A-Za-z0-9-]+$/, "a header name")
    .optional(),
  /** Largest recipients CSV accepted in one import (bytes); a million people is ~70 MB. */
  MAX_CSV_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(1024 * 1024 * 1024)
    .default(128 * 1024 * 1024),
  /** Whole months a warning's deliveries are kept after its issue month; then the retention job drops them. */
  LEDGER_RETENTION_MONTHS: z.coerce.number().int().min(1).max(120).default(13),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
});
export type Env = z.infer<typeof envSchema>;

export function parseEnv(source: Record<string, string | undefined>): Env {
  const blanksRemoved = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const r = envSchema.safeParse(blanksRemoved);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`invalid environment:\n${lines.join("\n")}`);
  }
  if (r.data.TWILIO_ACCOUNT_SID && !r.data.TWILIO_AUTH_TOKEN)
    throw new Error("invalid environment:\n  TWILIO_AUTH_TOKEN: required with TWILIO_ACCOUNT_SID");
  if (r.data.TWILIO_ACCOUNT_SID && !r.data.TWILIO_FROM && !r.data.TWILIO_MESSAGING_SERVICE_SID) {
    throw new Error(
      "invalid environment:\n  TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID: one is required with TWILIO_ACCOUNT_SID",
    );
  }
  if (r.data.WEBHOOK_PUBLIC_URL && typeof r.data.WEBHOOK_PORT !== "number")
    throw new Error("invalid environment:\n  WEBHOOK_PORT: required with WEBHOOK_PUBLIC_URL (the port it reaches)");
  // Behind a public address, a loopback callback URL would reach nothing: every receipt lost.
  if (typeof r.data.WEBHOOK_PORT === "number" && r.data.PUBLIC_URL && !r.data.WEBHOOK_PUBLIC_URL)
    throw new Error(
      "invalid environment:\n  WEBHOOK_PUBLIC_URL: required with WEBHOOK_PORT and PUBLIC_URL (the address providers reach WEBHOOK_PORT at)",
    );
  return r.data;
}

export interface WebhookListener {
  /** null: a free port, kept across restarts (node/webhook-listener.ts). */
  port: number | null;
  publicUrl: string | null;
  /** The port was set: failing to listen there stops the start; the default falls back to
   * sharing PORT instead. */
  chosen: boolean;
}

/** Where provider webhooks get a listener of their own (WEBHOOK_PORT), or null: they share
 * PORT (told so, or behind PUBLIC_URL without WEBHOOK_PUBLIC_URL). */
export function webhookListener(env: Env): WebhookListener | null {
  const w = env.WEBHOOK_PORT;
  if (w === "off") return null;
  if (w !== undefined) return { port: w, publicUrl: env.WEBHOOK_PUBLIC_URL ?? null, chosen: true };
  // Behind a public address the listener would need one of its own (WEBHOOK_PUBLIC_URL).
  if (env.PUBLIC_URL) return null;
  return { port: null, publicUrl: null, chosen: false };
}
