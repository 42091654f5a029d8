import { pgTable, text } from "drizzle-orm/pg-core";
import { tstz } from "./columns.js";

// One row per cron slot that ran (key = `<job>:<slot ISO>`): whichever instance inserts
// the key first runs the slot, the others see the conflict and skip it.
export const cronRuns = pgTable("cron_runs", {
  key: text("key").primaryKey(),
  owner: text("owner").notNull(),
  claimedAt: tstz("claimed_at").notNull().defaultNow(),
  finishedAt: tstz("finished_at"),
});
