import { integer, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { tstz } from "./columns.js";

// Sends granted per channel per second, shared by every dispatcher process on the database
// (src/dispatch/shared-bucket.ts): N instances together keep to one SMS_RATE_PER_SECOND.
// Rows older than an hour are pruned daily (jobs/prune-cron-runs.ts).
export const paceGrants = pgTable(
  "pace_grants",
  {
    channel: text("channel").notNull(),
    second: tstz("second").notNull(),
    granted: integer("granted").notNull().default(0),
  },
  (t) => [primaryKey({ name: "pace_grants_pk", columns: [t.channel, t.second] })],
);
