// node-cron 4 over the job list (Node only). Every task is `distributed`: its slot key
// (`<job>:<slot ISO>`) goes into cron_runs with ON CONFLICT DO NOTHING, so with any number
// of instances on one database each slot runs once. `noOverlap` skips a slot while the
// previous run of the same job is still going in this process. Expressions are UTC, like
// Workers cron triggers.
import cron, { type Logger as CronLogger, type RunCoordinator, type ScheduledTask } from "node-cron";
import { hostname } from "node:os";
import type { Job } from "../jobs/job.js";
import { runJob } from "../jobs/run.js";
import type { Services } from "../services.js";
import type { Db } from "../db/client.js";
import type { Logger } from "../lib/log.js";
import { claimCronSlot, finishCronSlot } from "../db/queries/cron-runs.js";

export const CRON_TIMEZONE = "Etc/UTC";

export function postgresRunCoordinator(db: Db, owner: string): RunCoordinator {
  return {
    shouldRun: (key) => claimCronSlot(db, key, owner),
    onComplete: (key) => finishCronSlot(db, key, new Date()),
  };
}

function cronLogger(log: Logger): CronLogger {
  const text = (m: string | Error) => (m instanceof Error ? m.message : m);
  return {
    info: (m) => log.info(m),
    warn: (m) => log.warn(m),
    error: (m, e) => log.error(text(m), e ? { error: e.message } : {}),
    debug: (m) => log.debug(text(m)),
  };
}

export interface CronHandle {
  tasks: ScheduledTask[];
  stop(): Promise<void>;
}

export function startCron(o: { jobs: Job[]; services: Services; owner?: string; log?: Logger }): CronHandle {
  const log = o.log ?? o.services.log.child({ part: "cron" });
  const owner = o.owner ?? `${hostname()}:${process.pid}`;
  const runCoordinator = postgresRunCoordinator(o.services.db, owner);
  const tasks = o.jobs.map((job) =>
    cron.schedule(
      job.cron,
      async (ctx) => {
        await runJob(job, o.services, ctx.date);
      },
      {
        name: job.name,
        timezone: CRON_TIMEZONE,
        noOverlap: true,
        distributed: true,
        runCoordinator,
        logger: cronLogger(log),
      },
    ),
  );
  return {
    tasks,
    async stop() {
      for (const t of tasks) await t.destroy();
    },
  };
}
