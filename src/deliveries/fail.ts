// Deliveries that fail without a send: a revoked device's waiting commands, loudspeakers of
// a village where none is online (someone broadcasts by hand instead), a county platform
// that went down. One statement shape for all, checked against the transition table.
import { sql, type SQL } from "drizzle-orm";
import type { Db } from "../db/client.js";

export async function failDeliveries(
  db: Db,
  o: { from?: SQL; where: SQL; code: string; error: SQL | string; at: string },
): Promise<number> {
  const error = typeof o.error === "string" ? sql`${o.error}` : o.error;
  const rows = await db.execute<{ n: number }>(sql`
    with f as (
      update deliveries d set status = 'failed', failed_at = ${o.at}::timestamptz, lease_until = null,
        error_code = ${o.code}, error = ${error}
      ${o.from ? sql`from ${o.from}` : sql``}
      where ${o.where} and delivery_can_move(d.channel, d.status, 'failed')
      returning 1
    ) select count(*)::int as n from f`);
  return rows[0]?.n ?? 0;
}
