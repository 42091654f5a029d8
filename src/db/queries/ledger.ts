// The delivery ledger's monthly partitions (drizzle/0020): made ahead of time, and dropped
// whole once their warnings are past retention. A warning's coverage figures live in the
// counter tables (coverage_villages, coverage_counts, coverage_timeline), not in its
// deliveries, so its report stays exactly as it was; only the per-delivery detail goes.
import { sql } from "drizzle-orm";
import type { Db } from "../client.js";
import { inForceSql } from "../../warnings/lifecycle.js";

/** Creates this month's partition and the next `months - 1` where missing; returns how many it made. */
export async function ensureLedgerPartitions(db: Db, from: Date, months: number): Promise<number> {
  const [r] = await db.execute<{ made: number }>(
    sql`select ensure_ledger_partitions(${from.toISOString()}::timestamptz::date, ${months}) as made`,
  );
  return r?.made ?? 0;
}

export interface LedgerPartition {
  name: string;
  /** First instant of its month (UTC); null for the default partition. */
  from: Date | null;
  to: Date | null;
}

export async function ledgerPartitions(db: Db): Promise<LedgerPartition[]> {
  const rows = await db.execute<{ name: string }>(sql`
    select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
    where i.inhparent = 'deliveries'::regclass order by c.relname`);
  return rows.map(({ name }) => {
    const m = /^deliveries_p(\d{4})(\d{2})$/.exec(name);
    if (!m) return { name, from: null, to: null };
    const [y, mo] = [Number(m[1]), Number(m[2])];
    return { name, from: new Date(Date.UTC(y, mo - 1, 1)), to: new Date(Date.UTC(y, mo, 1)) };
  });
}

export interface RetentionResult {
  dropped: string[];
  /** Partitions past the cutoff kept because a warning issued in them is still in force. */
  kept: string[];
  /** Rows deleted from the default partition. */
  defaultRows: number;
  archivedWarnings: string[];
}

/** A warning that may still write rows although it ended: its plan still pending, or a
 * walk whose remaining people the expiry maintenance has not written yet. */
const stillWriting = sql`(w.plan_state = 'pending'
  or exists (select 1 from public_walks pw where pw.warning_id = w.id and pw.done_at is null))`;

/**
 * Drops every monthly partition that ends at or before `cutoff` and holds no warning still
 * in force or still planning; deletes the same warnings' rows from the default partition;
 * marks each warning whose deliveries are now all gone `ledger_archived_at`. One
 * transaction, so a crash leaves everything or nothing. Dropping a partition locks the
 * whole ledger until commit (every claim, record and read of it waits), so the drops come
 * last, after the default partition's rows are gone, and only the archive marks follow;
 * the archived warnings' per-person rows go afterwards (pruneArchivedPersons), outside it.
 */
export async function applyRetention(tx: Db, cutoff: Date, now: Date): Promise<RetentionResult> {
  const at = now.toISOString();
  // A warning whose rows must stay: in force, or still writing some.
  const live = sql`(${inForceSql("w", at)} or ${stillWriting})`;
  const out: RetentionResult = { dropped: [], kept: [], defaultRows: 0, archivedWarnings: [] };
  const expired: LedgerPartition[] = [];
  for (const p of await ledgerPartitions(tx)) {
    if (!p.from || !p.to || p.to > cutoff) continue;
    const [busy] = await tx.execute<{ n: number }>(sql`
      select count(*)::int as n from warnings w
      where w.issued_at >= ${p.from.toISOString()}::timestamptz and w.issued_at < ${p.to.toISOString()}::timestamptz
        and ${live}`);
    if ((busy?.n ?? 0) > 0) out.kept.push(p.name);
    else expired.push(p);
  }
  const gone = await tx.execute(sql`
    delete from deliveries_default d using warnings w
    where w.id = d.warning_id and d.issued_at < ${cutoff.toISOString()}::timestamptz
      and not ${live}`);
  out.defaultRows = gone.count;
  // Give up (and try again at the next run) rather than queue every claim behind a long
  // transaction for more than a moment: the drop waits for the ledger's lock, and everyone
  // after it waits for the drop.
  await tx.execute(sql`set local lock_timeout = '1s'`);
  for (const p of expired) {
    await tx.execute(sql.raw(`drop table ${p.name}`));
    out.dropped.push(p.name);
  }
  const archived = await tx.execute<{ id: string }>(sql`
    update warnings w set ledger_archived_at = ${at}::timestamptz
    where w.ledger_archived_at is null and w.issued_at < ${cutoff.toISOString()}::timestamptz
      and not ${live}
      and not exists (select 1 from deliveries d where d.warning_id = w.id)
    returning w.id`);
  out.archivedWarnings = archived.map((r) => r.id);
  return out;
}

/** Drops archived warnings' per-person de-duplication rows (coverage_persons: the counters
 * already hold the figures), their walks and their ledger counters. Idempotent, and apart
 * from the drops' transaction: a city's million rows deleted under the ledger's lock
 * stalled every claim meanwhile. */
export async function pruneArchivedPersons(db: Db): Promise<number> {
  const r = await db.execute(sql`
    delete from coverage_persons p using warnings w
    where w.id = p.warning_id and w.ledger_archived_at is not null`);
  // Their walks too: finished (an archived warning has none open), a few rows each. And
  // their id blocks' counters (ledger-ids.ts): nothing writes an archived warning's rows
  // again, and a row per warning ever issued would otherwise stay for good.
  await db.execute(sql`
    delete from public_walks pw using warnings w where w.id = pw.warning_id and w.ledger_archived_at is not null`);
  await db.execute(sql`
    delete from delivery_ledgers l using warnings w where w.id = l.warning_id and w.ledger_archived_at is not null`);
  return r.count;
}
