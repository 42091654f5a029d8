import type { Job } from "./job.js";
import { scheduledIssueJob } from "./scheduled-issue.js";
import { expiryJob } from "./expiry.js";
import { escalationJob } from "./escalation.js";
import { loudspeakerFallbackJob } from "./loudspeaker-fallback.js";
import { deviceLivenessJob } from "./device-liveness.js";
import { digestJob } from "./digest.js";
import { pruneCronRunsJob } from "./prune-cron-runs.js";
import { ebHeartbeatJob } from "./eb-heartbeat.js";
import { ebReadbackJob } from "./eb-readback.js";
import { planPendingJob } from "./plan-pending.js";
import { retentionJob } from "./retention.js";

/** The one list of scheduled jobs (see job.ts). Cron expressions are UTC on both
 * runtimes. Retries and lease recovery are not here: every dispatcher process does them
 * continuously (DispatchRunner's maintenance and claim loop). */
export const jobs: Job[] = [
  scheduledIssueJob,
  planPendingJob,
  expiryJob,
  deviceLivenessJob,
  ebHeartbeatJob,
  ebReadbackJob,
  loudspeakerFallbackJob,
  escalationJob,
  digestJob,
  pruneCronRunsJob,
  retentionJob,
];
