import { bigint, index, jsonb, pgTable, text } from "drizzle-orm/pg-core";
import { tstz } from "./columns.js";

export const auditLog = pgTable(
  "audit_log",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    at: tstz("at").notNull().defaultNow(),
    /** user id, device id, or a fixed name such as `system` / `twilio`. */
    actor: text("actor").notNull(),
    actorKind: text("actor_kind").notNull(),
    action: text("action").notNull(),
    subjectType: text("subject_type").notNull(),
    subjectId: text("subject_id").notNull(),
    before: jsonb("before"),
    after: jsonb("after"),
    requestId: text("request_id"),
  },
  (t) => [index("audit_log_subject_idx").on(t.subjectType, t.subjectId), index("audit_log_at_idx").on(t.at)],
);
