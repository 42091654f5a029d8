// Deliveries that fail without a send: a revoked device's waiting commands, loudspeakers of
// a village where none is online (someone broadcasts by hand instead), a county platform
// that went down. One statement shape for all, checked against the transition table.
import { sql, type SQL } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { changedColumns, countChanges, oldStamps } from "./coverage.js";

export async function failDeliveries(
  db: Db,
  o: { from?: SQL; where: SQL; code: string; error: SQL | string; at: string },
): Promise<number> {
  const error = typeof o.error === "string" ? sql`${o.error}` : o.error;
  // A device's `delivered` may fail (an amplifier fault after receipt): its stamps are read
  // under lock first, for the counters. `error` may name the rows of `from`.
  const rows = await db.execute<{ n: number }>(sql`
    with prev as (
      select d.id, d.issued_at, ${error} as err, ${oldStamps("d")}
      from deliveries d ${o.from ? sql`, ${o.from}` : sql``}
      where ${o.where} and delivery_can_move(d.channel, d.status, 'failed')
      for update of d
    ),
    f as (
      update deliveries d set status = 'failed', failed_at = ${o.at}::timestamptz, lease_until = null,
        error_code = ${o.code}, error = prev.err
      from prev
      where d.id = prev.id and d.issued_at = prev.issued_at and delivery_can_move(d.channel, d.status, 'failed')
      returning ${changedColumns("prev")}
    ),
    ${countChanges("f")}
    select count(*)::int as n from f`);
  return rows[0]?.n ?? 0;
}
