import { boolean, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { userRoleEnum } from "./enums.js";
import { timestamps } from "./columns.js";

export const users = pgTable("users", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull(),
  role: userRoleEnum("role").notNull(),
  /** An area code; the user may act on that area and everything below it. */
  areaScope: text("area_scope").notNull(),
  keyHash: text("key_hash").notNull().unique("users_key_hash_key"),
  active: boolean("active").notNull().default(true),
  ...timestamps,
});
