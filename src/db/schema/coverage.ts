import { bigint, integer, pgTable, primaryKey, text, uuid } from "drizzle-orm/pg-core";
import { channelEnum } from "./enums.js";
import { tstz } from "./columns.js";

// Running counters behind the coverage report (DESIGN §7). The planner writes the
// targeted figures; a statement-level trigger on deliveries (migration
// 0001_coverage_triggers) adds every status change set-wise, so a report over a
// million deliveries reads a few thousand rows instead of scanning them.

/** Per warning × village × channel: cumulative counts of each stage reached. */
export const coverageCounts = pgTable(
  "coverage_counts",
  {
    warningId: uuid("warning_id").notNull(),
    villageCode: text("village_code").notNull(),
    channel: channelEnum("channel").notNull(),
    targeted: integer("targeted").notNull().default(0),
    /** Of `targeted`, the people a county's walk (public_walks) has not written a row for yet. */
    pending: integer("pending").notNull().default(0),
    sent: integer("sent").notNull().default(0),
    delivered: integer("delivered").notNull().default(0),
    acknowledged: integer("acknowledged").notNull().default(0),
    failed: integer("failed").notNull().default(0),
    expired: integer("expired").notNull().default(0),
    /** People reached through this channel (recipients, or device reach once played/shown). */
    reached: bigint("reached", { mode: "number" }).notNull().default(0),
  },
  (t) => [primaryKey({ name: "coverage_counts_pk", columns: [t.warningId, t.villageCode, t.channel] })],
);

/** Per warning × targeted village: population and people reached over all channels. */
export const coverageVillages = pgTable(
  "coverage_villages",
  {
    warningId: uuid("warning_id").notNull(),
    villageCode: text("village_code").notNull(),
    population: integer("population").notNull(),
    personsReached: integer("persons_reached").notNull().default(0),
    deviceReach: bigint("device_reach", { mode: "number" }).notNull().default(0),
  },
  (t) => [primaryKey({ name: "coverage_villages_pk", columns: [t.warningId, t.villageCode] })],
);

/** Capped reach gained per warning per second: the coverage-over-time curve. */
export const coverageTimeline = pgTable(
  "coverage_timeline",
  {
    warningId: uuid("warning_id").notNull(),
    at: tstz("at").notNull(),
    reachedDelta: bigint("reached_delta", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ name: "coverage_timeline_pk", columns: [t.warningId, t.at] })],
);

/** Each person reached by a warning, once, whatever the channel: the de-duplication
 * behind `persons_reached`. Written only when someone is reached, never at planning. */
export const coveragePersons = pgTable(
  "coverage_persons",
  {
    warningId: uuid("warning_id").notNull(),
    recipientId: bigint("recipient_id", { mode: "number" }).notNull(),
    villageCode: text("village_code").notNull(),
  },
  (t) => [primaryKey({ name: "coverage_persons_pk", columns: [t.warningId, t.recipientId] })],
);
