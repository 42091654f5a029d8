import { sql } from "drizzle-orm";
import { bigint, boolean, index, pgTable, text } from "drizzle-orm/pg-core";
import { languageEnum, postRoleEnum } from "./enums.js";
import { timestamps } from "./columns.js";
import { FIRST_LANE_AUDIENCES } from "../../domain/vocabulary.js";

export const recipients = pgTable(
  "recipients",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    name: text("name").notNull(),
    phone: text("phone"),
    email: text("email"),
    /** A village or grid code. */
    areaCode: text("area_code").notNull(),
    /** The village of `areaCode` (itself for a village): targeting joins on it. */
    villageCode: text("village_code").notNull(),
    audiences: text("audiences").array().notNull(),
    language: languageEnum("language").notNull().default("zh"),
    role: postRoleEnum("role"),
    active: boolean("active").notNull().default(true),
    synthetic: boolean("synthetic").notNull().default(false),
    /** tel:+86…, mail:… or name:<area>:<name>: one person is imported once. */
    dedupeKey: text("dedupe_key").notNull().unique("recipients_dedupe_key_key"),
    ...timestamps,
  },
  (t) => [
    // (village, id): targeting joins on the village, and a county's public walk
    // (deliveries/walks.ts) resumes from its last (village, id) in this order.
    index("recipients_village_id_idx").on(t.villageCode, t.id),
    index("recipients_area_code_idx").on(t.areaCode),
    // Inbound SMS replies name the sender's number only.
    index("recipients_phone_idx").on(t.phone).where(sql`${t.phone} is not null`),
    // 叫应 steps 3 and 4 look up a township's or county's officials by village-code range:
    // without this the range reads every member of the public in it (measured 15 s for a
    // city-wide step over a million people).
    // 叫应 steps 1 and 2 read a village's A/B posts, not its hundreds of residents.
    index("recipients_posts_idx").on(t.villageCode).where(sql`${t.role} is not null`),
    // The issuing transaction plans the first lane (officers, cadres, officials) city-wide
    // without reading the residents around them (dispatch/planner.ts uses the same constant).
    index("recipients_first_lane_idx")
      .on(t.villageCode)
      .where(sql`${t.audiences} && ${sql.raw(`'{${FIRST_LANE_AUDIENCES.join(",")}}'::text[]`)}`),
    index("recipients_officials_idx")
      .on(t.villageCode)
      .where(sql`${t.audiences} && '{township_official,county_official}'::text[]`),
  ],
);
