import { and, count, eq } from "drizzle-orm";
import type { Db } from "../client.js";
import { users } from "../schema/index.js";
import type { UserRole } from "../../domain/vocabulary.js";

export type User = typeof users.$inferSelect;

export async function findActiveUserByKeyHash(db: Db, keyHash: string): Promise<User | undefined> {
  const [u] = await db.select().from(users).where(and(eq(users.keyHash, keyHash), eq(users.active, true))).limit(1);
  return u;
}

export async function insertUser(db: Db, u: { name: string; role: UserRole; areaScope: string; keyHash: string }): Promise<User> {
  const [row] = await db.insert(users).values(u).returning();
  return row!;
}

export async function countUsers(db: Db): Promise<number> {
  const [r] = await db.select({ n: count() }).from(users);
  return r?.n ?? 0;
}
