// Cloudflare Workers entry: the same Hono app over Postgres through Hyperdrive, and the
// same job list driven by cron triggers (Workers cron runs in UTC). The WebSocket hub
// and dispatcher loops need Node and run in src/server.ts.
import postgres from "postgres";
import { createApp } from "./app.js";
import { createDb } from "./db/client.js";
import { defaultGrading, defaultPolicy } from "./config/grading.js";
import { createLogger, errorFields } from "./lib/log.js";
import { defaultServiceConfig, type Services } from "./services.js";
import { envSchema } from "./config/env.js";
import { jobs } from "./jobs/index.js";
import { runJob } from "./jobs/run.js";
import { continuePlans } from "./dispatch/progressive.js";

interface Env {
  HYPERDRIVE: { connectionString: string };
  PUBLIC_URL?: string;
  TZ_DISPLAY?: string;
  WARNCAST_SENDER?: string;
  WARNCAST_SENDER_NAME?: string;
  SMS_SIGNATURE?: string;
  /** A secret (`wrangler secret put TWILIO_AUTH_TOKEN`): verifies Twilio webhooks. */
  TWILIO_AUTH_TOKEN?: string;
  /** A secret (`wrangler secret put SESSION_SECRET`): seals console sessions. Without it each
   * isolate has its own random one, and a session works only on the isolate that made it. */
  SESSION_SECRET?: string;
  /** Our 18-digit EBRID towards county broadcast platforms (/eb/access, eb jobs). */
  EB_RESOURCE_CODE?: string;
  /** As on Node (src/config/env.ts); an unreadable value keeps the default. */
  LEDGER_RETENTION_MONTHS?: string;
  MAX_CSV_BYTES?: string;
}

/** A numeric setting read by the Node entry's own rule, or its default when unset or invalid. */
function numberSetting(key: "LEDGER_RETENTION_MONTHS" | "MAX_CSV_BYTES", value: string | undefined, fallback: number) {
  const r = envSchema.shape[key].safeParse(value);
  return r.success ? r.data : fallback;
}
interface ExecutionContext {
  waitUntil(p: Promise<unknown>): void;
}
interface ScheduledController {
  cron: string;
  scheduledTime: number;
}

function services(env: Env) {
  // Hyperdrive pools connections; a small client per invocation is the documented pattern.
  // Keep postgres.js's type fetch (one cached read per client): without it, JS arrays are
  // bound as "a,b" text and array columns come back unparsed, and our queries bind arrays.
  const sql = postgres(env.HYPERDRIVE.connectionString, { max: 5 });
  const s: Services = {
    db: createDb(sql, { prepare: false }),
    grading: defaultGrading,
    policy: defaultPolicy,
    config: {
      ...defaultServiceConfig,
      publicUrl: env.PUBLIC_URL ?? defaultServiceConfig.publicUrl,
      tzDisplay: env.TZ_DISPLAY ?? defaultServiceConfig.tzDisplay,
      sender: env.WARNCAST_SENDER ?? defaultServiceConfig.sender,
      senderName: env.WARNCAST_SENDER_NAME ?? defaultServiceConfig.senderName,
      smsSignature: env.SMS_SIGNATURE ?? defaultServiceConfig.smsSignature,
      twilioAuthToken: env.TWILIO_AUTH_TOKEN,
      sessionSecret: env.SESSION_SECRET,
      ebResourceCode: /^\d{18}$/.test(env.EB_RESOURCE_CODE ?? "") ? env.EB_RESOURCE_CODE : undefined,
      ledgerRetentionMonths: numberSetting(
        "LEDGER_RETENTION_MONTHS",
        env.LEDGER_RETENTION_MONTHS,
        defaultServiceConfig.ledgerRetentionMonths,
      ),
      maxCsvBytes: numberSetting("MAX_CSV_BYTES", env.MAX_CSV_BYTES, defaultServiceConfig.maxCsvBytes),
    },
    log: createLogger(),
    now: () => new Date(),
  };
  return { s, end: () => sql.end({ timeout: 5 }) };
}

/** Workers keep an invocation alive 30 s after its response: plan for at most 20 s. */
const PLAN_AFTER_RESPONSE_MS = 20_000;

async function planAfterResponse(s: Services): Promise<void> {
  const until = Date.now() + PLAN_AFTER_RESPONSE_MS;
  const running = () => Date.now() < until;
  try {
    // A step held back for a late joiner under way (plan-lock.ts) is taken once it commits,
    // a moment later: look again within this invocation rather than at the next minute.
    while ((await continuePlans(s.db, s.now, running)).held && running()) {
      await new Promise((r) => setTimeout(r, 250));
    }
  } catch (e) {
    s.log.error("progressive plan failed", errorFields(e));
  }
}

export default {
  async fetch(req: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const { s, end } = services(env);
    const res = await createApp(s).fetch(req);
    // The console's live board streams (server-sent events) and reads the database each
    // second: close the client when the stream ends, not when the response starts.
    if (res.body && (res.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
      const { readable, writable } = new TransformStream();
      ctx.waitUntil(
        res.body
          .pipeTo(writable)
          .catch(() => {})
          .finally(end),
      );
      return new Response(readable, res);
    }
    // No dispatcher runner listens on Workers: a write that issued a version (an approve,
    // a cancel, an update…) plans it from this invocation after the response, as a runner
    // would at commit; what a bounded pass leaves is the minute's plan-pending job's.
    ctx.waitUntil((req.method !== "GET" && res.ok ? planAfterResponse(s) : Promise.resolve()).finally(end));
    return res;
  },

  async scheduled(controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
    const { s, end } = services(env);
    const at = new Date(controller.scheduledTime);
    // A cron trigger fires once per slot on Workers: no coordinator needed here.
    const due = jobs.filter((j) => j.cron === controller.cron);
    // Awaited, not waitUntil: a throw is what marks a cron invocation failed, and runJob
    // never throws (it logs each failure), so its outcomes decide.
    // A version the jobs issued (a scheduled one) is planned from this invocation afterwards,
    // as a write's is: the plan-pending job ran beside them and may have missed it.
    const outcomes = await Promise.all(due.map((j) => runJob(j, s, at))).finally(() =>
      ctx.waitUntil(planAfterResponse(s).finally(end)),
    );
    const failed = outcomes.filter((o) => !o.ok).map((o) => o.job);
    // No job for a trigger means wrangler.toml and src/jobs have drifted apart.
    if (due.length === 0 || failed.length > 0) {
      s.log.error("cron trigger failed", { cron: controller.cron, jobs: due.length, failed });
      throw new Error(due.length ? `jobs failed: ${failed.join(", ")}` : `no job runs on cron "${controller.cron}"`);
    }
  },
};
