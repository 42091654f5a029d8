import { inArray, sql } from "drizzle-orm";
import type { Db } from "../client.js";
import { signInThrottle } from "../schema/index.js";
import { delayAfter, THROTTLE, type ThrottleKind } from "../../domain/sign-in-throttle.js";

/** The latest time any of `keys` is blocked until, if later than `now`. */
export async function blockedUntil(db: Db, keys: string[], now: Date): Promise<Date | null> {
  const rows = await db
    .select({ until: signInThrottle.blockedUntil })
    .from(signInThrottle)
    .where(inArray(signInThrottle.key, keys));
  const until = rows
    .map((r) => r.until)
    .filter((d): d is Date => d !== null && d > now)
    .sort((a, b) => b.getTime() - a.getTime());
  return until[0] ?? null;
}

/** Counts one failure (starting over after a quiet hour) and sets the wait it earns. */
export async function recordFailure(db: Db, kind: ThrottleKind, key: string, now: Date): Promise<number> {
  const forget = new Date(now.getTime() - THROTTLE.forgetSeconds * 1000).toISOString();
  const [r] = await db.execute<{ failures: number }>(sql`
    insert into sign_in_throttle (key, failures, last_failure_at) values (${key}, 1, ${now.toISOString()}::timestamptz)
    on conflict (key) do update set
      failures = case when sign_in_throttle.last_failure_at < ${forget}::timestamptz then 1
                      else sign_in_throttle.failures + 1 end,
      last_failure_at = excluded.last_failure_at
    returning failures`);
  const failures = Number(r?.failures ?? 1);
  const wait = delayAfter(kind, failures);
  if (wait > 0) {
    const until = new Date(now.getTime() + wait * 1000).toISOString();
    await db.execute(sql`update sign_in_throttle set blocked_until = ${until}::timestamptz where key = ${key}`);
  }
  return failures;
}

export async function clearFailures(db: Db, key: string): Promise<void> {
  await db.delete(signInThrottle).where(inArray(signInThrottle.key, [key]));
}
