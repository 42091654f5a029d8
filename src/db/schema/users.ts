import { boolean, index, integer, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { userRoleEnum } from "./enums.js";
import { timestamps, tstz } from "./columns.js";
import { agencies } from "./agencies.js";

export const users = pgTable("users", {
  id: uuid("id").primaryKey().defaultRandom(),
  /** Sign-in name, stored lower-case so `Admin` and `admin` are one account. */
  username: text("username").notNull().unique("users_username_key"),
  name: text("name").notNull(),
  role: userRoleEnum("role").notNull(),
  /** An area code; the user may act on that area and everything below it. */
  areaScope: text("area_scope").notNull(),
  /** Null: the deployment's default office (WARNCAST_SENDER…), e.g. for admins. */
  agencyCode: text("agency_code").references(() => agencies.code),
  /** scrypt, self-describing (`scrypt$N$r$p$salt$hash`); null = no console sign-in. */
  passwordHash: text("password_hash"),
  passwordChangedAt: tstz("password_changed_at"),
  active: boolean("active").notNull().default(true),
  ...timestamps,
});

/** Machine credentials, several per user; only the SHA-256 of the secret is kept. */
export const apiKeys = pgTable(
  "api_keys",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    label: text("label").notNull(),
    /** The first characters of the key, shown in lists so people can tell keys apart. */
    prefix: text("prefix").notNull(),
    keyHash: text("key_hash").notNull().unique("api_keys_key_hash_key"),
    createdAt: tstz("created_at").notNull().defaultNow(),
    lastUsedAt: tstz("last_used_at"),
    revokedAt: tstz("revoked_at"),
  },
  (t) => [index("api_keys_user_id_idx").on(t.userId)],
);

/** Console sign-ins. The cookie carries the token; ending a row ends the session at once. */
export const sessions = pgTable(
  "sessions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    tokenHash: text("token_hash").notNull().unique("sessions_token_hash_key"),
    createdAt: tstz("created_at").notNull().defaultNow(),
    expiresAt: tstz("expires_at").notNull(),
    endedAt: tstz("ended_at"),
  },
  (t) => [index("sessions_user_id_idx").on(t.userId)],
);

/** Failed sign-ins per username and per source address (`user:…`, `addr:…`). */
export const signInThrottle = pgTable("sign_in_throttle", {
  key: text("key").primaryKey(),
  failures: integer("failures").notNull(),
  lastFailureAt: tstz("last_failure_at").notNull(),
  blockedUntil: tstz("blocked_until"),
});
