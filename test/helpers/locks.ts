import { sql } from "drizzle-orm";
import postgres from "postgres";
import { createDb, type Db } from "../../src/db/client.js";
import { deferred } from "./deferred.js";

/** How many sessions of this database wait on a lock now. */
export async function lockWaiters(db: Db): Promise<number> {
  const [l] = await db.execute<{ n: number }>(sql`
    select count(*)::int as n from pg_stat_activity
    where datname = current_database() and wait_event_type = 'Lock'`);
  return l!.n;
}

/** Resolves once some session of this database waits on a lock (a request blocked behind a
 * transaction the test holds open). Throws after 10 s, or as soon as `gaveUp()` says the
 * awaited request finished without waiting. Waits on state, polling every 10 ms. */
export async function untilSomeoneWaitsOnALock(db: Db, gaveUp: () => boolean = () => false): Promise<void> {
  for (let waited = 0; ; waited += 10) {
    if ((await lockWaiters(db)) > 0) return;
    if (waited > 10_000 || gaveUp()) throw new Error("nothing waited on the lock the test holds");
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** `request`'s answer when another session has made `write` and not yet committed it: the
 * request cannot see the row, and (the test checks) its own write waits on that row's key
 * until the other session commits. A race two staff members or two imports can run into. */
export async function whileAnotherWriteHolds(
  tdb: { url: string; db: Db },
  write: (t: postgres.TransactionSql) => Promise<unknown>,
  request: () => Promise<Response>,
): Promise<Response> {
  const other = postgres(tdb.url, { max: 1, onnotice: () => {} });
  const written = deferred();
  const commit = deferred();
  try {
    const tx = other.begin(async (t) => {
      await write(t);
      written.resolve();
      await commit.promise;
    });
    await written.promise;
    const res = request();
    await untilSomeoneWaitsOnALock(tdb.db);
    commit.resolve();
    await tx;
    return await res;
  } finally {
    commit.resolve();
    await other.end();
  }
}

/** `work` in a transaction on a connection of its own, left open after it (its writes not
 * committed, its locks held) until `commit()`. `ran` resolves with what `work` returned
 * once it has run; `committed`, once the transaction has. `close()` (in a finally) commits
 * if the test has not and ends the connection. */
export function openTransaction<T>(url: string, work: (tx: Db) => Promise<T>) {
  const client = postgres(url, { max: 1, onnotice: () => {} });
  const ran = deferred<T>();
  const commit = deferred();
  const committed = createDb(client).transaction(async (tx) => {
    const value = await work(tx);
    ran.resolve(value);
    await commit.promise;
    return value;
  });
  return {
    ran: Promise.race([ran.promise, committed]),
    committed,
    commit: () => commit.resolve(),
    async close() {
      commit.resolve();
      await committed.catch(() => {});
      await client.end();
    },
  };
}
