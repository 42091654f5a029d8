import { asc, eq, gt, sql } from "drizzle-orm";
import type { Db } from "../client.js";
import { agencies } from "../schema/index.js";
import type { AgencyRef } from "../../domain/agency.js";

export type Agency = typeof agencies.$inferSelect;
export type NewAgency = typeof agencies.$inferInsert;

export const agencyRef = (a: Agency): AgencyRef => ({
  code: a.code,
  name: a.name,
  senderId: a.senderId,
  smsSignature: a.smsSignature,
  types: a.types,
  areaScope: a.areaScope,
});

export async function getAgency(db: Db, code: string, opts: { forUpdate?: boolean } = {}): Promise<Agency | undefined> {
  const q = db.select().from(agencies).where(eq(agencies.code, code)).limit(1);
  const [a] = opts.forUpdate ? await q.for("update") : await q;
  return a;
}

export async function listAgencies(db: Db, o: { after?: string | undefined; limit: number }): Promise<Agency[]> {
  return db
    .select()
    .from(agencies)
    .where(o.after ? gt(agencies.code, o.after) : undefined)
    .orderBy(asc(agencies.code))
    .limit(o.limit);
}

/** Insert; undefined when the code or the CAP sender id is taken. */
export async function insertAgency(db: Db, a: NewAgency): Promise<Agency | undefined> {
  const [row] = await db.insert(agencies).values(a).onConflictDoNothing().returning();
  return row;
}

export async function updateAgency(db: Db, code: string, patch: Partial<NewAgency>): Promise<Agency> {
  const [row] = await db
    .update(agencies)
    .set({ ...patch, updatedAt: sql`now()` })
    .where(eq(agencies.code, code))
    .returning();
  return row!;
}

export async function senderIdTaken(db: Db, senderId: string, exceptCode?: string): Promise<boolean> {
  const [r] = await db.execute<{ n: number }>(
    sql`select count(*)::int as n from agencies where sender_id = ${senderId} and code <> ${exceptCode ?? ""}`,
  );
  return (r?.n ?? 0) > 0;
}
