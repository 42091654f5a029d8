import { boolean, index, integer, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { deviceKindEnum } from "./enums.js";
import { timestamps, tstz } from "./columns.js";

export const devices = pgTable(
  "devices",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    kind: deviceKindEnum("kind").notNull(),
    name: text("name").notNull(),
    areaCode: text("area_code").notNull(),
    villageCode: text("village_code").notNull(),
    tokenHash: text("token_hash").notNull().unique("devices_token_hash_key"),
    /** People within earshot / viewing; null = the village population (DESIGN §7). */
    reach: integer("reach"),
    languages: text("languages").array().notNull().default(["zh"]),
    online: boolean("online").notNull().default(false),
    lastSeen: tstz("last_seen"),
    firmware: text("firmware"),
    revokedAt: tstz("revoked_at"),
    ...timestamps,
  },
  (t) => [index("devices_village_code_idx").on(t.villageCode)],
);
