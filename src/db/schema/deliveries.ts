import { sql } from "drizzle-orm";
import { bigint, index, pgTable, primaryKey, smallint, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { channelEnum, deliveryPurposeEnum, deliveryStatusEnum, languageEnum } from "./enums.js";
import { tstz } from "./columns.js";

// No foreign keys or per-row unique keys here on purpose: a city-wide warning writes a million rows in one
// statement and per-row FK checks would cost more than the insert itself. The planner
// only ever selects targets from existing rows, and recipients/devices are deactivated,
// never deleted, so the references stay valid.
//
// The ledger is partitioned by month of its warning's issue (drizzle/0020): every row of a
// warning shares a partition, so a month past retention is dropped whole (jobs/retention.ts)
// and a year of warnings never slows today's. Hence the key (id, issued_at).
export const deliveries = pgTable(
  "deliveries",
  {
    // No sequence: the writing statement numbers its rows in the warning's block
    // (src/deliveries/ledger-ids.ts), so under Citus a county's plan stays on its shard.
    id: bigint("id", { mode: "number" }).notNull(),
    warningId: uuid("warning_id").notNull(),
    /** The warning's issue time: the partition key, the same for every row of a warning. */
    issuedAt: tstz("issued_at").notNull().defaultNow(),
    channel: channelEnum("channel").notNull(),
    purpose: deliveryPurposeEnum("purpose").notNull().default("warning"),
    recipientId: bigint("recipient_id", { mode: "number" }),
    deviceId: uuid("device_id"),
    villageCode: text("village_code").notNull(),
    /** The county (first 6 digits of the village code): the dispatch lane every hot query
     * names, and the distribution column under Citus (docs/scale.md). Derived, so no
     * writer can disagree with the village. */
    lane: text("lane").notNull().generatedAlwaysAs(sql`left(village_code, 6)`),
    address: text("address"),
    language: languageEnum("language").notNull().default("zh"),
    /** The template language actually used (a missing `mn` template falls back to `zh`). */
    renderedLanguage: languageEnum("rendered_language"),
    /** Copy of the warning level's rank (red = 1) so the claim index orders by it. */
    levelRank: smallint("level_rank").notNull(),
    /** DISPATCH_PRIORITY: people who must act are claimed ahead of the public of every level. */
    priority: smallint("priority").notNull().default(1),
    escalationStep: smallint("escalation_step"),
    status: deliveryStatusEnum("status").notNull().default("queued"),
    attempts: smallint("attempts").notNull().default(0),
    nextAttemptAt: tstz("next_attempt_at").notNull().defaultNow(),
    leaseUntil: tstz("lease_until"),
    leaseOwner: text("lease_owner"),
    providerId: text("provider_id"),
    errorCode: text("error_code"),
    error: text("error"),
    queuedAt: tstz("queued_at").notNull().defaultNow(),
    claimedAt: tstz("claimed_at"),
    sentAt: tstz("sent_at"),
    deliveredAt: tstz("delivered_at"),
    acknowledgedAt: tstz("acknowledged_at"),
    failedAt: tstz("failed_at"),
    expiredAt: tstz("expired_at"),
  },
  (t) => [
    primaryKey({ name: "deliveries_pkey", columns: [t.id, t.issuedAt] }),
    // Not unique (warning, recipient, channel): the planner makes one row per target and
    // channel by construction (tests check it), and a unique index on those distinct keys
    // measured 4.8 s per million planned rows. (warning_id, recipient_id) serves every
    // per-warning query and finds one person's deliveries of a warning in force (an SMS
    // reply that acknowledges) without a separate per-recipient index.
    index("deliveries_warning_recipient_idx").on(t.warningId, t.recipientId),
    // A warning's device rows; a device's, with the warnings in force named as an array
    // (deliveries/device-commands.ts warningsInForce).
    uniqueIndex("deliveries_warning_device_idx")
      .on(t.warningId, t.deviceId, t.issuedAt)
      .where(sql`${t.deviceId} is not null`),
    // The most urgent due row anywhere (its lane is claimed next), and the lane's own
    // rows of that class in due order: the trailing lane is checked in the index, so a
    // lane's claim skips other lanes' entries without reading their rows. Loudspeaker and
    // display commands are never claimed (the hub holding the socket reads them by warning
    // or device), so they stay out of it: 10,000 fewer entries to write inside a city-wide
    // approve (drizzle/0027). An eb row's device_id is its platform's, and it is claimed.
    // A claim names the same condition (claims.ts CLAIMABLE) to use the index.
    index("deliveries_claim_idx")
      .on(t.channel, t.priority, t.levelRank, t.nextAttemptAt, t.lane)
      .where(sql`${t.status} = 'queued' and (${t.deviceId} is null or ${t.channel} = 'eb')`),
    index("deliveries_lease_idx").on(t.leaseUntil).where(sql`${t.status} = 'sending'`),
    index("deliveries_provider_id_idx").on(t.providerId).where(sql`${t.providerId} is not null`),
    // 叫应: "has anyone in this village confirmed?" reads only confirmed rows.
    index("deliveries_acknowledged_idx").on(t.warningId, t.villageCode).where(sql`${t.acknowledgedAt} is not null`),
    // The 叫应 messages of a warning (a few hundred) without reading its million others.
    index("deliveries_escalation_idx").on(t.warningId, t.villageCode).where(sql`${t.purpose} = 'escalation'`),
  ],
);
