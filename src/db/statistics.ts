// Planner statistics for the tables a warning grows fastest: the ledger's partitions and
// the people. Autovacuum analyzes a table once a minute at best (autovacuum_naptime) and
// only after a tenth of it changed; a city-wide warning writes a million rows into a
// partition in that minute, and a fresh month's partition has never been analyzed at all.
// Without statistics Postgres cannot tell that a delivery id names one row (the key is
// (id, issued_at)), so every statement that looks rows up by id from a batch (device
// acks, the hub's records) read the whole partition: 50-180 ms each while a city's
// public was being written, measured through the API, where 5 ms of index probes do.
// The dispatch maintenance (every 2 s) analyzes what has doubled since its last analysis.
import { sql } from "drizzle-orm";
import type { Db } from "./client.js";

/** Rows written or changed since the last analysis that make a table worth analyzing
 * again: at least this many, and at least as many as it had then. */
const MIN_CHANGED = 10_000;

/** Analyzes the ledger partitions and the people table where the rows changed since their
 * last analysis are at least MIN_CHANGED and as many as the table then held; returns the
 * tables analyzed. One process at a time; a table whose lock is busy (autovacuum on it)
 * is left for the next round. */
export async function refreshStatistics(db: Db): Promise<string[]> {
  return db.transaction(async (tx) => {
    const [mine] = await tx.execute<{ ok: boolean }>(
      sql`select pg_try_advisory_xact_lock(hashtext('warncast:statistics')) as ok`,
    );
    if (!mine?.ok) return [];
    const stale = await tx.execute<{ rel: string }>(sql`
      select c.oid::regclass::text as rel
      from pg_class c join pg_stat_user_tables s on s.relid = c.oid
      where (c.oid in (select inhrelid from pg_inherits where inhparent = 'deliveries'::regclass)
          or c.oid = 'recipients'::regclass)
        and s.n_mod_since_analyze >= greatest(${MIN_CHANGED}, c.reltuples)
      order by 1`);
    if (stale.length === 0) return [];
    await tx.execute(sql`set local lock_timeout = '100ms'`);
    const done: string[] = [];
    for (const { rel } of stale) {
      // A savepoint per table: one that is busy does not undo the others.
      try {
        await tx.transaction(async (sp) => {
          await sp.execute(sql.raw(`analyze ${rel}`));
        });
        done.push(rel);
      } catch (e) {
        if ((e as { code?: string }).code !== "55P03") throw e;
      }
    }
    return done;
  });
}
