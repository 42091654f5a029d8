// The one wrapper every job run goes through (node-cron, the Worker's scheduled(), tests
// and manual runs): it times the run, logs one line with its outcome and never throws,
// so no job can take the process down.
import type { Services } from "../services.js";
import { errorFields } from "../lib/log.js";
import type { Job } from "./job.js";

export type JobOutcome =
  | { job: string; at: string; ok: true; ms: number; result: Record<string, unknown> }
  | { job: string; at: string; ok: false; ms: number; error: string };

export async function runJob(job: Job, services: Services, at: Date): Promise<JobOutcome> {
  const t0 = performance.now();
  const base = { job: job.name, at: at.toISOString() };
  try {
    const result = (await job.run(services, at)) ?? {};
    const ms = Math.round(performance.now() - t0);
    services.log.info("job run", { ...base, ms, outcome: "ok", ...result });
    return { ...base, ok: true, ms, result };
  } catch (e) {
    const ms = Math.round(performance.now() - t0);
    services.log.error("job run", { ...base, ms, outcome: "failed", ...errorFields(e) });
    return { ...base, ok: false, ms, error: e instanceof Error ? e.message : String(e) };
  }
}
