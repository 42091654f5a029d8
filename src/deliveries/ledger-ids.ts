// Delivery ids without a sequence: a warning's ledger_no × 2^26 plus the row's place among
// the warning's rows. Under Citus a sequence on a fan-out table pulls every planned row
// through the coordinator to number it (issue 17); here the statement that writes the rows
// numbers them. It locks its warnings' rows (FOR UPDATE, in id order), reads where their
// numbering stands, and advances it in the same statement, so two writers of one warning
// (the county planner, a late joiner, the 叫应 jobs) never number from the same place. Ids
// stay below 2^53, a JSON number (the device protocol's command id), for 2^27 warnings;
// a warning's rows beyond 2^26 fail its plan whole (warnings_ledger_rows_check).
import { sql, type SQL } from "drizzle-orm";

const ROW_BITS = 26;

/** CTE `ledger`: the warnings `warningIds` selects, locked, with where their numbering stands. */
export const lockLedger = (warningIds: SQL): SQL => sql`
    ledger as (
      select id, ledger_no, ledger_rows from warnings where id in (${warningIds}) order by id for update
    )`;

/** A new row's id: its `place` (1, 2, … within its warning, in this statement) after the
 * warning's rows so far; `l` names the row of `ledger` it joins. */
export const ledgerId = (l: string, place: SQL): SQL =>
  sql`((${sql.raw(l)}.ledger_no << ${sql.raw(String(ROW_BITS))}) + ${sql.raw(l)}.ledger_rows + ${place})`;

/** CTE advancing each warning's count by the rows `rows` (returning warning_id) wrote. */
export const advanceLedger = (rows: string): SQL =>
  sql.raw(`
    ledger_advance as (
      update warnings w set ledger_rows = w.ledger_rows + c.n
      from (select warning_id, count(*)::int as n from ${rows} group by warning_id) c
      where w.id = c.warning_id
      returning 1
    )`);
