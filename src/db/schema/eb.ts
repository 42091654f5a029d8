import { sql } from "drizzle-orm";
import { bigint, boolean, index, integer, jsonb, pgSequence, pgTable, smallint, text, uuid } from "drizzle-orm/pg-core";
import { ebPlatformStateEnum } from "./enums.js";
import { timestamps, tstz } from "./columns.js";
import type { SignerConfig, VendorOptions } from "../../../channels/eb/config.js";

// County emergency-broadcast platforms (DESIGN §12). A platform is a channel target like
// a device: an `eb` delivery row carries the platform's id in `device_id`, one per
// warning × platform, and eb_broadcasts holds the EBM it became and what the platform
// reported back.
export const ebPlatforms = pgTable(
  "eb_platforms",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    /** The county served (12-digit code). */
    areaCode: text("area_code").notNull(),
    /** Its access endpoint: EBD packages are POSTed here. */
    url: text("url").notNull(),
    /** Its 18-digit EBRID: SRC/EBRID of everything it sends us, DEST/EBRID of ours. */
    resourceCode: text("resource_code").notNull().unique("eb_platforms_resource_code_key"),
    /** Villages it reaches; null = every village of its county. */
    villages: text("villages").array(),
    signer: jsonb("signer").$type<SignerConfig>().notNull().default({ kind: "none" }),
    /** Its certificate (PEM or base64): when set, inbound packages must carry a valid signature. */
    certificate: text("certificate"),
    options: jsonb("options").$type<VendorOptions>().notNull(),
    heartbeatSeconds: integer("heartbeat_seconds").notNull().default(60),
    /** Heartbeats it may miss before it is shown down. */
    heartbeatMisses: smallint("heartbeat_misses").notNull().default(3),
    state: ebPlatformStateEnum("state").notNull().default("unknown"),
    stateReason: text("state_reason"),
    stateChangedAt: tstz("state_changed_at"),
    /** Last sign of life: an answered ConnectionCheck or any package it sent us. */
    lastSeenAt: tstz("last_seen_at"),
    lastCheckAt: tstz("last_check_at"),
    active: boolean("active").notNull().default(true),
    ...timestamps,
  },
  (t) => [index("eb_platforms_area_code_idx").on(t.areaCode)],
);

/** One EBM per eb delivery: a broadcast (MsgType 1) or the cancel of one (MsgType 2). */
export const ebBroadcasts = pgTable(
  "eb_broadcasts",
  {
    deliveryId: bigint("delivery_id", { mode: "number" }).primaryKey(),
    warningId: uuid("warning_id").notNull(),
    platformId: uuid("platform_id").notNull(),
    msgType: smallint("msg_type").notNull(),
    /** Targeted villages the platform reaches, fixed at planning: the EBM's AreaCode and
     * the villages its outcome counts for in coverage. */
    villages: text("villages").array().notNull(),
    /** Assigned before the first send and kept for retries, so a platform can de-duplicate. */
    ebmId: text("ebm_id").unique("eb_broadcasts_ebm_id_key"),
    ebdId: text("ebd_id"),
    /** The broadcast a cancel stops. */
    relatedEbmId: text("related_ebm_id"),
    resultCode: smallint("result_code"),
    resultDesc: text("result_desc"),
    brdStateCode: smallint("brd_state_code"),
    brdStateDesc: text("brd_state_desc"),
    /** Per-area coverage as reported: [{ areaCode, rate (0–1), resBrdStat }]. */
    coverage: jsonb("coverage").$type<{ areaCode: string; rate: number | null; resBrdStat: string | null }[]>(),
    /** Per-terminal / per-broadcast-system results (ResBrdInfo, EBMBrdLog). */
    terminals: jsonb("terminals").$type<Record<string, string | number | null>[]>(),
    reportedAt: tstz("reported_at"),
    ...timestamps,
  },
  (t) => [
    index("eb_broadcasts_warning_id_idx").on(t.warningId),
    index("eb_broadcasts_open_idx").on(t.platformId).where(sql`${t.brdStateCode} is null or ${t.brdStateCode} < 3`),
  ],
);

/** EBDID sequence (16 digits): shared by every instance, never reused after a restart. */
export const ebdSequence = pgSequence("eb_ebd_seq", { startWith: 1, minValue: 1, maxValue: "9999999999999999" });

/** EBMID sequence per Beijing day (4 digits). */
export const ebEbmDays = pgTable("eb_ebm_days", {
  day: text("day").primaryKey(),
  last: integer("last").notNull(),
});
