import { bigint, index, integer, pgTable, smallint, uuid } from "drizzle-orm/pg-core";
import { tstz } from "./columns.js";

// A warning's device commands sent before their rows exist (issue 17, docs/scale.md "The
// devices' rows after their frames"). The approve that issues a warning for loudspeakers
// and displays, with a device hub in its process, writes this one row instead of a row per
// device: the devices it targets (in order) and the block of ledger ids reserved for them,
// command `base + i` for `devices[i]`. The hub sends the frames once it has committed and
// writes each command's row once, with what happened (deliveries/device-sends.ts); a row
// still here `hold_until` later (its hub died) is written `queued` by whoever looks next,
// with the same ids, and the devices get their commands again on their next hello.
export const deviceSends = pgTable(
  "device_sends",
  {
    warningId: uuid("warning_id").primaryKey(),
    /** The warning's issue time: the partition key of the rows it writes. */
    issuedAt: tstz("issued_at").notNull(),
    levelRank: smallint("level_rank").notNull(),
    queuedAt: tstz("queued_at").notNull(),
    /** Command `base + i` (1-based) is the command of `devices[i]`. */
    base: bigint("base", { mode: "number" }).notNull(),
    devices: uuid("devices").array().notNull(),
    /** Commands whose rows are not written yet; the row goes when none is left. */
    unwritten: integer("unwritten").notNull(),
    /** After this (database time) the rows are written `queued` by anyone. */
    holdUntil: tstz("hold_until").notNull(),
  },
  (t) => [index("device_sends_hold_idx").on(t.holdUntil)],
);
