// cron_runs keeps a key per job per slot (about 7,000 a day); a week is plenty to see
// which instance ran what. Shared pace grants (a row per channel per second) go after an hour.
import type { Job } from "./job.js";
import { pruneCronRuns, prunePaceGrants } from "../db/queries/cron-runs.js";

export const pruneCronRunsJob: Job = {
  name: "prune-cron-runs",
  cron: "30 3 * * *",
  async run(s, at) {
    return {
      pruned: await pruneCronRuns(s.db, new Date(at.getTime() - 7 * 86_400_000)),
      paceGrants: await prunePaceGrants(s.db, new Date(at.getTime() - 3_600_000)),
    };
  },
};
