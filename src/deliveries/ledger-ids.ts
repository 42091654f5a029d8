// Delivery ids without a sequence: a warning's ledger_no × 2^26 plus the row's place among
// the warning's rows. Under Citus a sequence on a fan-out table pulls every planned row
// through the coordinator to number it (issue 17); here the statement that writes the rows
// numbers them. It locks its warnings' delivery_ledgers rows (FOR UPDATE, in warning id
// order), reads where their numbering stands, and advances it in the same statement, so two
// writers of one warning (the county planner, a late joiner, the 叫应 jobs) never number from
// the same place; the warning's own row is not locked, so a cancel never waits for them. The
// issue makes the ledger row (startLedger). Ids stay below 2^53, a JSON number (the device
// protocol's command id), for 2^27 warnings; a warning's rows beyond 2^26 fail its plan
// whole (delivery_ledgers_rows_check).
import { sql, type SQL } from "drizzle-orm";
import type { Db } from "../db/client.js";

const ROW_BITS = 26;

/** CTE `ledger`: the warnings `warningIds` selects, locked, with where their numbering stands. */
export const lockLedger = (warningIds: SQL): SQL => sql`
    ledger as (
      select l.warning_id as id, w.ledger_no, l.rows as ledger_rows
      from delivery_ledgers l join warnings w on w.id = l.warning_id
      where l.warning_id in (${warningIds}) order by l.warning_id for update of l
    )`;

/** The ledger row: numbering starts at 1. */
export async function startLedger(tx: Db, warningId: string): Promise<void> {
  await tx.execute(sql`insert into delivery_ledgers (warning_id) values (${warningId}) on conflict do nothing`);
}

/** A new row's id: its `place` (1, 2, … within its warning, in this statement) after the
 * warning's rows so far; `l` names the row of `ledger` it joins. Join it with a LEFT join:
 * a warning without a ledger row then gives a null id, refused by the ledger's NOT NULL,
 * instead of an inner join's silently empty plan. */
export const ledgerId = (l: string, place: SQL): SQL =>
  sql`((${sql.raw(l)}.ledger_no << ${sql.raw(String(ROW_BITS))}) + ${sql.raw(l)}.ledger_rows + ${place})`;

/** CTE advancing each warning's count by the rows `rows` (returning warning_id) wrote. */
export const advanceLedger = (rows: string): SQL =>
  sql.raw(`
    ledger_advance as (
      update delivery_ledgers l set rows = l.rows + c.n
      from (select warning_id, count(*)::int as n from ${rows} group by warning_id) c
      where l.warning_id = c.warning_id
      returning 1
    )`);

/** CTE `reserved`: advances warning `warningId`'s count by `n` ids handed out before their
 * rows are written (a public walk's block, walks.ts); `ledger` (lockLedger) gives where the
 * block starts. */
export const reserveLedger = (warningId: SQL, n: SQL): SQL => sql`
    reserved as (
      update delivery_ledgers l set rows = l.rows + ${n}
      where l.warning_id = ${warningId}
      returning 1
    )`;
