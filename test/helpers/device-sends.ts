// Reserved device commands (src/deliveries/device-sends.ts) as a hub that died leaves them.
import { sql } from "drizzle-orm";
import type { Db } from "../../src/db/client.js";

/** The warning's reservation is overdue now (its hub never wrote it): anyone may write it. */
export async function runOutHold(db: Db, warningId: string): Promise<void> {
  await db.execute(
    sql`update device_sends set hold_until = now() - interval '1 second' where warning_id = ${warningId}`,
  );
}
