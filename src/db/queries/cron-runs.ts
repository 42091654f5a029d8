// The cron coordinator's table: the first instance to insert a slot's key runs it.
import { sql } from "drizzle-orm";
import type { Db } from "../client.js";

/** True for exactly one caller per key, across processes and machines. */
export async function claimCronSlot(db: Db, key: string, owner: string): Promise<boolean> {
  const rows = await db.execute<{ key: string }>(sql`
    insert into cron_runs (key, owner) values (${key}, ${owner}) on conflict do nothing returning key`);
  return rows.length === 1;
}

export async function finishCronSlot(db: Db, key: string, at: Date): Promise<void> {
  await db.execute(sql`update cron_runs set finished_at = ${at.toISOString()}::timestamptz where key = ${key}`);
}

/** Keys are only needed while their slot can still be contended: keep a week for audit. */
export async function pruneCronRuns(db: Db, before: Date): Promise<number> {
  const rows = await db.execute<{ n: number }>(sql`
    with d as (delete from cron_runs where claimed_at < ${before.toISOString()}::timestamptz returning 1)
    select count(*)::int as n from d`);
  return rows[0]?.n ?? 0;
}

/** Pace grants are read only for the current second: an hour's are plenty to look at. */
export async function prunePaceGrants(db: Db, before: Date): Promise<number> {
  const rows = await db.execute<{ n: number }>(sql`
    with d as (delete from pace_grants where second < ${before.toISOString()}::timestamptz returning 1)
    select count(*)::int as n from d`);
  return rows[0]?.n ?? 0;
}
