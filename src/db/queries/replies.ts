import { sql } from "drizzle-orm";
import type { Db } from "../client.js";

export interface RepliedDelivery {
  id: number;
  warningId: string;
  status: string;
  villageCode: string;
  recipientId: number;
}

/** The latest SMS sent to this number for any warning in force (warning or escalation
 * message): phone → person → (warning, recipient) index probes, never a scan. */
export async function latestSmsDeliveryTo(db: Db, phone: string): Promise<RepliedDelivery | undefined> {
  const [row] = await db.execute<{
    id: string;
    warning_id: string;
    status: string;
    village_code: string;
    recipient_id: string;
  }>(sql`
    select d.id, d.warning_id, d.status, d.village_code, d.recipient_id
    from recipients r
    join warnings w on w.status = 'issued'
    cross join lateral (
      select d.id, d.warning_id, d.status, d.village_code, d.recipient_id, coalesce(d.sent_at, d.queued_at) as at
      from deliveries d
      where d.warning_id = w.id and d.recipient_id = r.id and d.channel = 'sms'
        and d.status in ('sent', 'delivered', 'acknowledged')
      order by d.id desc limit 1
    ) d
    where r.phone = ${phone}
    order by d.at desc, d.id desc
    limit 1`);
  return (
    row && {
      id: Number(row.id),
      warningId: row.warning_id,
      status: row.status,
      villageCode: row.village_code,
      recipientId: Number(row.recipient_id),
    }
  );
}
