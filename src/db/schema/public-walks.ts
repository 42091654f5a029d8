import { sql } from "drizzle-orm";
import { bigint, index, integer, pgTable, primaryKey, smallint, text, uuid } from "drizzle-orm/pg-core";
import { channelEnum } from "./enums.js";
import { tstz } from "./columns.js";

// A county's public, planned without a row per person (issue 17, docs/scale.md "The public
// as walks"): the plan counts the county's people into the coverage counters, reserves a
// block of ledger ids for them and writes this one row per county and channel; the claim
// then writes each batch of their deliveries itself, already `sending`, walking the
// county's people in (village_code, id) order from where the last batch stopped
// (deliveries/walks.ts). Lane-scoped like the ledger: under Citus, distributed by `lane`
// and colocated with it.
export const publicWalks = pgTable(
  "public_walks",
  {
    warningId: uuid("warning_id").notNull(),
    /** The county: the claim's lane. */
    lane: text("lane").notNull(),
    channel: channelEnum("channel").notNull(),
    /** The warning's issue time: the partition key of the rows the walk writes. */
    issuedAt: tstz("issued_at").notNull(),
    /** The claim order's keys, as a queued row of the same class carries them. */
    priority: smallint("priority").notNull(),
    levelRank: smallint("level_rank").notNull(),
    queuedAt: tstz("queued_at").notNull(),
    /** Where the walk numbers its rows: the next is base + taken + 1, up to base + ids (the
     * block reserved at plan time, or another once that is used up: walks.ts extendWalk). */
    base: bigint("base", { mode: "number" }).notNull(),
    /** People counted at plan time (targeted, pending in coverage_counts). */
    planned: integer("planned").notNull(),
    /** Ids reserved: `planned` and some to spare, for people who join the county's
     * villages before the walk reaches them (deliveries/walks.ts). */
    ids: integer("ids").notNull(),
    /** Rows the walk has written. */
    taken: integer("taken").notNull().default(0),
    /** Where the walk stands: the last (village_code, id) it wrote. */
    afterVillage: text("after_village").notNull().default(""),
    afterId: bigint("after_id", { mode: "number" }).notNull().default(0),
    /** Walked to its end, or ended with its warning (its remaining people written `expired`). */
    doneAt: tstz("done_at"),
  },
  (t) => [
    primaryKey({ name: "public_walks_pk", columns: [t.warningId, t.lane, t.channel] }),
    // The claim's pick weighs the most urgent open walk against the most urgent queued row.
    index("public_walks_open_idx")
      .on(t.channel, t.priority, t.levelRank, t.queuedAt, t.lane)
      .where(sql`${t.doneAt} is null`),
  ],
);
