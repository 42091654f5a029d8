import { bigint, index, pgTable, text } from "drizzle-orm/pg-core";
import { tstz } from "./columns.js";

// A provider can report on a message before the dispatcher has recorded the send that
// produced it (a fast delivery receipt races the batch write). Such reports wait here
// and are applied when the provider id is recorded, so none is lost.
export const statusReports = pgTable(
  "status_reports",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    providerId: text("provider_id").notNull(),
    status: text("status").notNull(),
    errorCode: text("error_code"),
    error: text("error"),
    at: tstz("at").notNull(),
    receivedAt: tstz("received_at").notNull().defaultNow(),
  },
  (t) => [index("status_reports_provider_id_idx").on(t.providerId)],
);
