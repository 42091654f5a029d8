import { sql } from "drizzle-orm";
import type { Db } from "../../src/db/client.js";

/** Resolves once some session of this database waits on a lock (a request blocked behind a
 * transaction the test holds open). Throws after 10 s, or as soon as `gaveUp()` says the
 * awaited request finished without waiting. Waits on state, polling every 10 ms. */
export async function untilSomeoneWaitsOnALock(db: Db, gaveUp: () => boolean = () => false): Promise<void> {
  for (let waited = 0; ; waited += 10) {
    const [l] = await db.execute<{ n: number }>(sql`
      select count(*)::int as n from pg_stat_activity
      where datname = current_database() and wait_event_type = 'Lock'`);
    if (l!.n > 0) return;
    if (waited > 10_000 || gaveUp()) throw new Error("nothing waited on the lock the test holds");
    await new Promise((r) => setTimeout(r, 10));
  }
}
