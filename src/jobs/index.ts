import type { Job } from "./job.js";

/** The one list of scheduled jobs (see job.ts). */
export const jobs: Job[] = [];
