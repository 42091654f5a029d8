import { pgTable, primaryKey, smallint, text, uuid } from "drizzle-orm/pg-core";
import { escalationReasonEnum } from "./enums.js";
import { tstz } from "./columns.js";

// One 叫应 chain per warning × targeted village (DESIGN §8). The chain, not its
// deliveries, holds the clock: a step with nobody to message (no backup registered)
// still happens and still starts the next deadline. The messages of each step are
// ordinary deliveries (purpose 'escalation', escalation_step = step).
export const escalationChains = pgTable(
  "escalation_chains",
  {
    warningId: uuid("warning_id").notNull(),
    villageCode: text("village_code").notNull(),
    reason: escalationReasonEnum("reason").notNull(),
    /** 1 primary, 2 backup, 3 township, 4 county (ESCALATION_STEPS). */
    step: smallint("step").notNull(),
    startedAt: tstz("started_at").notNull(),
    /** When the current step was reached; the next is due one deadline later. */
    stepAt: tstz("step_at").notNull(),
    /** First confirmation by a responsible person: the chain stops here. */
    acknowledgedAt: tstz("acknowledged_at"),
  },
  (t) => [primaryKey({ name: "escalation_chains_pk", columns: [t.warningId, t.villageCode] })],
);
