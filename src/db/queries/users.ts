import { and, asc, count, eq, gt, like, sql } from "drizzle-orm";
import type { Db } from "../client.js";
import { agencies, apiKeys, users } from "../schema/index.js";
import type { UserRole } from "../../domain/vocabulary.js";
import { codePrefix } from "../../domain/areas.js";
import { randomId } from "../../lib/crypto.js";

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;

/** Creates a user, and its first API key when `keyHash` is given (label `initial`). */
export async function insertUser(
  db: Db,
  u: Omit<NewUser, "username"> & { username?: string | undefined; keyHash?: string | undefined },
): Promise<User> {
  const { keyHash, ...fields } = u;
  const [row] = await db
    .insert(users)
    .values({ ...fields, username: u.username ?? `user-${randomId(6)}` })
    .returning();
  // Callers that made the secret themselves (tests, benches) pass its hash; its prefix is unknown here.
  if (keyHash) await db.insert(apiKeys).values({ userId: row!.id, label: "initial", prefix: "wck_…", keyHash });
  return row!;
}

export async function getUser(db: Db, id: string, opts: { forUpdate?: boolean } = {}): Promise<User | undefined> {
  const q = db.select().from(users).where(eq(users.id, id)).limit(1);
  const [u] = opts.forUpdate ? await q.for("update") : await q;
  return u;
}

export async function getUserByUsername(db: Db, username: string): Promise<User | undefined> {
  const [u] = await db.select().from(users).where(eq(users.username, username.toLowerCase())).limit(1);
  return u;
}

/** Users whose scope lies within `scope`, by username. */
export async function listUsers(
  db: Db,
  o: { scope: string; agency?: string | undefined; afterUsername?: string | undefined; limit: number },
): Promise<User[]> {
  return db
    .select()
    .from(users)
    .where(
      and(
        like(users.areaScope, `${codePrefix(o.scope)}%`),
        o.agency ? eq(users.agencyCode, o.agency) : undefined,
        o.afterUsername ? gt(users.username, o.afterUsername) : undefined,
      ),
    )
    .orderBy(asc(users.username))
    .limit(o.limit);
}

export async function updateUser(db: Db, id: string, patch: Partial<NewUser>): Promise<User> {
  const [row] = await db
    .update(users)
    .set({ ...patch, updatedAt: sql`now()` })
    .where(eq(users.id, id))
    .returning();
  return row!;
}

/** Locks every active admin row: two concurrent demotions cannot both see "one other left". */
export async function lockActiveAdmins(db: Db): Promise<string[]> {
  const rows = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.role, "admin"), eq(users.active, true)))
    .for("update");
  return rows.map((r) => r.id);
}

export async function countUsers(db: Db): Promise<number> {
  const [r] = await db.select({ n: count() }).from(users);
  return r?.n ?? 0;
}

export async function agencyOfUser(db: Db, u: Pick<User, "agencyCode">) {
  if (!u.agencyCode) return null;
  const [a] = await db.select().from(agencies).where(eq(agencies.code, u.agencyCode)).limit(1);
  return a ?? null;
}

export type { UserRole };
