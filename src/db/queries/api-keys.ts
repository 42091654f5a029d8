import { and, asc, eq, isNull, lt, or, sql } from "drizzle-orm";
import type { Db } from "../client.js";
import { agencies, apiKeys, sessions, users } from "../schema/index.js";
import type { Agency } from "./agencies.js";
import type { User } from "./users.js";
import { randomToken, sha256Hex } from "../../lib/crypto.js";

export type ApiKey = typeof apiKeys.$inferSelect;

export interface Credential {
  user: User;
  agency: Agency | null;
  /** The stored hash the lookup matched, compared again in constant time by the caller. */
  hash: string;
  keyId: string | null;
  lastUsedAt: Date | null;
}

/** An unrevoked key of an active user. */
export async function findKeyCredential(db: Db, keyHash: string): Promise<Credential | undefined> {
  const [r] = await db
    .select({ user: users, agency: agencies, key: apiKeys })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .leftJoin(agencies, eq(agencies.code, users.agencyCode))
    .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt), eq(users.active, true)))
    .limit(1);
  return r && { user: r.user, agency: r.agency, hash: r.key.keyHash, keyId: r.key.id, lastUsedAt: r.key.lastUsedAt };
}

/** A console session that has not ended or expired, of an active user. */
export async function findSessionCredential(db: Db, tokenHash: string, now: Date): Promise<Credential | undefined> {
  const [r] = await db
    .select({ user: users, agency: agencies, s: sessions })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .leftJoin(agencies, eq(agencies.code, users.agencyCode))
    .where(
      and(
        eq(sessions.tokenHash, tokenHash),
        isNull(sessions.endedAt),
        sql`${sessions.expiresAt} > ${now.toISOString()}::timestamptz`,
        eq(users.active, true),
      ),
    )
    .limit(1);
  return r && { user: r.user, agency: r.agency, hash: r.s.tokenHash, keyId: null, lastUsedAt: null };
}

/** "Last used" is for people, not an access log: written at most once a minute per key. */
export const TOUCH_EVERY_MS = 60_000;

/** Whether a key read as last used at `lastUsedAt` is due a new stamp. */
export const touchDue = (lastUsedAt: Date | null, now: Date) =>
  lastUsedAt === null || now.getTime() - lastUsedAt.getTime() >= TOUCH_EVERY_MS;

/** At most one write a minute per key (the WHERE holds it when two requests race). */
export async function touchKey(db: Db, id: string, now: Date): Promise<void> {
  const stale = new Date(now.getTime() - TOUCH_EVERY_MS);
  await db
    .update(apiKeys)
    .set({ lastUsedAt: now })
    .where(and(eq(apiKeys.id, id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, stale))));
}

/** `wck_` and 8 characters (48 random bits): enough to tell keys apart, useless to guess with. */
const PREFIX_LEN = 12;

/** A new key for the user: the row, and the secret, which exists only in this return value. */
export async function createApiKey(
  db: Db,
  o: { userId: string; label: string; now: Date },
): Promise<{ row: ApiKey; key: string }> {
  const key = randomToken("wck_", 32);
  const [row] = await db
    .insert(apiKeys)
    .values({
      userId: o.userId,
      label: o.label,
      prefix: key.slice(0, PREFIX_LEN),
      keyHash: await sha256Hex(key),
      createdAt: o.now,
    })
    .returning();
  return { row: row!, key };
}

export async function listKeys(db: Db, userId: string): Promise<ApiKey[]> {
  return db.select().from(apiKeys).where(eq(apiKeys.userId, userId)).orderBy(asc(apiKeys.createdAt), asc(apiKeys.id));
}

export async function getKey(db: Db, userId: string, id: string): Promise<ApiKey | undefined> {
  const [k] = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.userId, userId), eq(apiKeys.id, id)))
    .limit(1)
    .for("update");
  return k;
}

export async function revokeKey(db: Db, id: string, now: Date): Promise<ApiKey> {
  const [row] = await db.update(apiKeys).set({ revokedAt: now }).where(eq(apiKeys.id, id)).returning();
  return row!;
}
