import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../client.js";
import { sessions } from "../schema/index.js";

export async function insertSession(
  db: Db,
  s: { userId: string; tokenHash: string; createdAt: Date; expiresAt: Date },
): Promise<string> {
  const [row] = await db.insert(sessions).values(s).returning({ id: sessions.id });
  return row!.id;
}

export async function endSessionByHash(db: Db, tokenHash: string, now: Date): Promise<string | undefined> {
  const [row] = await db
    .update(sessions)
    .set({ endedAt: now })
    .where(and(eq(sessions.tokenHash, tokenHash), isNull(sessions.endedAt)))
    .returning({ userId: sessions.userId });
  return row?.userId;
}

/** A changed password or a disabled account ends every console session of the user. */
export async function endUserSessions(db: Db, userId: string, now: Date): Promise<number> {
  const rows = await db
    .update(sessions)
    .set({ endedAt: now })
    .where(and(eq(sessions.userId, userId), isNull(sessions.endedAt)))
    .returning({ id: sessions.id });
  return rows.length;
}
