// Every minute: finishes progressive plans (dispatch/progressive.ts) where no dispatcher
// runner is listening, e.g. the Worker runtime, or after every runner was down.
import type { Job } from "./job.js";
import { continuePlans } from "../dispatch/progressive.js";

export const planPendingJob: Job = {
  name: "plan-pending",
  cron: "* * * * *",
  async run(s, at) {
    return continuePlans(s.db, () => at);
  },
};
