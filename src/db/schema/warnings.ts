import { sql } from "drizzle-orm";
import { bigint, check, index, integer, jsonb, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { levelEnum, msgTypeEnum, planStateEnum, warningStatusEnum } from "./enums.js";
import { timestamps, tstz } from "./columns.js";
import { users } from "./users.js";
import { agencies } from "./agencies.js";
import type { WarningType } from "../../domain/vocabulary.js";

/** One row = one message of a warning thread (Alert, then Updates, then a Cancel). */
export const warnings = pgTable(
  "warnings",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    identifier: text("identifier").notNull().unique("warnings_identifier_key"),
    sender: text("sender").notNull(),
    senderName: text("sender_name").notNull(),
    /** The author's agency; null = the deployment's default office. */
    agencyCode: text("agency_code").references(() => agencies.code),
    /** Fixed per version, so a later change to the agency never alters what was sent. */
    smsSignature: text("sms_signature"),
    threadId: uuid("thread_id").notNull(),
    version: integer("version").notNull().default(1),
    supersedesId: uuid("supersedes_id"),
    msgType: msgTypeEnum("msg_type").notNull().default("Alert"),
    type: text("type").$type<WarningType>().notNull(),
    level: levelEnum("level").notNull(),
    urgency: text("urgency").notNull().default("Expected"),
    certainty: text("certainty").notNull().default("Likely"),
    headline: text("headline").notNull(),
    description: text("description").notNull(),
    instruction: text("instruction").notNull().default(""),
    areaCodes: text("area_codes").array().notNull(),
    polygons: jsonb("polygons").$type<[number, number][][]>(),
    audiences: text("audiences").array().notNull(),
    channels: text("channels").array().notNull(),
    onset: tstz("onset"),
    expires: tstz("expires").notNull(),
    /** Scheduled release; null = at approval. */
    sendAt: tstz("send_at"),
    status: warningStatusEnum("status").notNull().default("draft"),
    createdBy: uuid("created_by")
      .notNull()
      .references(() => users.id),
    approvedBy: uuid("approved_by").references(() => users.id),
    submittedAt: tstz("submitted_at"),
    approvedAt: tstz("approved_at"),
    issuedAt: tstz("issued_at"),
    endedAt: tstz("ended_at"),
    /** When the retention job dropped this warning's deliveries (its coverage figures stay). */
    ledgerArchivedAt: tstz("ledger_archived_at"),
    /** The durable intent of a progressive plan (src/dispatch/progressive.ts): `pending` with the
     * last county committed, so a planner that dies mid-way resumes after it. */
    planState: planStateEnum("plan_state").notNull().default("planned"),
    planCursor: text("plan_cursor"),
    /** The warning's block of delivery ids (src/deliveries/ledger-ids.ts): a delivery's id is
     * ledger_no × 2^26 plus its place among the warning's rows, so the ledger needs no
     * sequence. Numbered once, when the row is made. */
    ledgerNo: bigint("ledger_no", { mode: "number" })
      .notNull()
      .unique("warnings_ledger_no_key")
      .default(sql`nextval('warning_ledger_no')`),
    rejectReason: text("reject_reason"),
    note: text("note"),
    /** Where an imported message came from (CAP sender/identifier/sent). */
    source: jsonb("source").$type<Record<string, unknown>>(),
    ...timestamps,
  },
  (t) => [
    index("warnings_status_idx").on(t.status),
    index("warnings_thread_id_idx").on(t.threadId),
    index("warnings_created_at_idx").on(t.createdAt),
    index("warnings_plan_pending_idx").on(t.issuedAt).where(sql`${t.planState} = 'pending'`),
  ],
);

/** How far each issued warning's delivery ids have been numbered (src/deliveries/ledger-ids.ts).
 * A row of its own, not a column of the warning: the writers of a warning's deliveries lock
 * it, and a cancel or an update of the warning (which writes the warning's row) must never
 * wait for them. */
export const deliveryLedgers = pgTable(
  "delivery_ledgers",
  {
    warningId: uuid("warning_id").primaryKey(),
    rows: integer("rows").notNull().default(0),
  },
  // A warning's rows fit its block of 2^26 ids: a plan that would overflow fails whole.
  (t) => [check("delivery_ledgers_rows_check", sql`${t.rows} between 0 and 67108863`)],
);
