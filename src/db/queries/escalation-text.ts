import { sql } from "drizzle-orm";
import type { Db } from "../client.js";
import type { EscalationReason } from "../../domain/vocabulary.js";

/** What a 叫应 message says about its village: the full name (county, township, village)
 * and why the chain runs there. */
export async function escalationInfo(
  db: Db,
  warningId: string,
  villageCode: string,
): Promise<{ village: string; reason: EscalationReason | null }> {
  const [r] = await db.execute<{ village: string; reason: EscalationReason | null }>(sql`
    select concat_ws('', c.name, t.name, v.name) as village,
           (select reason::text from escalation_chains e where e.warning_id = ${warningId} and e.village_code = ${villageCode}) as reason
    from areas v
    left join areas t on t.code = v.parent_code
    left join areas c on c.code = t.parent_code
    where v.code = ${villageCode}`);
  return r ?? { village: villageCode, reason: null };
}
