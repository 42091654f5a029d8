// The environment, parsed once at the Node entry; every problem is listed at start-up.
import { z } from "zod";

const url = z.url();

export const envSchema = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL").optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default("0.0.0.0"),
  PUBLIC_URL: url.optional(),
  TWILIO_ACCOUNT_SID: z.string().optional(),
  TWILIO_AUTH_TOKEN: z.string().optional(),
  TWILIO_FROM: z.string().optional(),
  TWILIO_MESSAGING_SERVICE_SID: z.string().optional(),
  TWILIO_API_BASE_URL: url.optional(),
  SMTP_URL: z.string().regex(/^smtps?:\/\//, "must be smtp:// or smtps://").optional(),
  MAIL_FROM: z.string().default("warncast <warncast@localhost>"),
  TZ_DISPLAY: z.string().default("Asia/Shanghai"),
  WARNCAST_SENDER: z.string().regex(/^[^\s,<&]+$/, "CAP sender: no spaces, commas, < or &").default("warncast.chifeng"),
  WARNCAST_SENDER_NAME: z.string().default("赤峰市气象台"),
  WARNCAST_DATA_DIR: z.string().default(".data"),
  WARNCAST_SEED_DEMO: z.enum(["true", "false"]).default("true"),
  WARNCAST_DISPATCH: z.enum(["true", "false"]).default("true"),
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
  if (r.data.TWILIO_ACCOUNT_SID && !r.data.TWILIO_AUTH_TOKEN) throw new Error("invalid environment:\n  TWILIO_AUTH_TOKEN: required with TWILIO_ACCOUNT_SID");
  return r.data;
}
