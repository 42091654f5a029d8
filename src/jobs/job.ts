import type { Services } from "../services.js";

/** A scheduled job: Node registers it with node-cron, the Worker's scheduled() dispatches
 * it by cron expression. `run` takes the instant it runs for, so tests need not wait. */
export interface Job {
  name: string;
  cron: string;
  run(services: Services, at: Date): Promise<Record<string, unknown> | void>;
}
