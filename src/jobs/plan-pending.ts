// Every minute: finishes progressive plans (dispatch/progressive.ts) where no dispatcher
// runner is listening, e.g. the Worker runtime, or after every runner was down; and writes
// the device commands a dead hub never wrote (deliveries/device-sends.ts).
import type { Job } from "./job.js";
import { continuePlans } from "../dispatch/progressive.js";
import { writeOverdueDeviceSends } from "../deliveries/device-sends.js";

export const planPendingJob: Job = {
  name: "plan-pending",
  cron: "* * * * *",
  async run(s, at) {
    const devices = await writeOverdueDeviceSends(s.db, s.log);
    return { ...(await continuePlans(s.db, () => at)), devices };
  },
};
