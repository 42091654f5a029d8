// The `escalations` view of one warning: per targeted village with a 叫应 chain, its
// step, reason and clock, and every message of the chain — the primary posts' own copy of
// the warning (step 1) and each escalation delivery — with who, when and status.
import { sql } from "drizzle-orm";
import type { Db } from "../client.js";
import {
  PERSON_CHANNELS,
  RESPONSIBLE_AUDIENCES,
  type ChannelKind,
  type DeliveryPurpose,
  type DeliveryStatus,
  type EscalationReason,
} from "../../domain/vocabulary.js";

export interface EscalationMessage {
  deliveryId: number;
  step: number;
  purpose: DeliveryPurpose;
  recipientId: number;
  name: string;
  audiences: string[];
  role: string | null;
  channel: ChannelKind;
  address: string | null;
  status: DeliveryStatus;
  errorCode: string | null;
  queuedAt: string;
  sentAt: string | null;
  deliveredAt: string | null;
  acknowledgedAt: string | null;
}

export interface EscalationChainRow {
  villageCode: string;
  villageName: string;
  reason: EscalationReason;
  step: number;
  startedAt: Date;
  stepAt: Date;
  acknowledgedAt: Date | null;
  messages: EscalationMessage[];
}

// jsonb renders timestamps as "…+00:00"; the API speaks "…Z" everywhere.
const iso = (t: string | null) => (t === null ? null : new Date(t).toISOString());

export async function escalationsOf(
  db: Db,
  warningId: string,
  o: { afterVillage?: string | undefined; limit: number },
): Promise<EscalationChainRow[]> {
  const rows = await db.execute<{
    village_code: string;
    village_name: string | null;
    reason: EscalationReason;
    step: number;
    started_at: string | Date;
    step_at: string | Date;
    acknowledged_at: string | Date | null;
    messages: EscalationMessage[];
  }>(sql`
    select c.village_code, a.name as village_name, c.reason, c.step, c.started_at, c.step_at, c.acknowledged_at,
      coalesce((
        select jsonb_agg(jsonb_build_object(
          'deliveryId', d.id, 'step', coalesce(d.escalation_step, 1), 'purpose', d.purpose, 'recipientId', d.recipient_id,
          'name', r.name, 'audiences', r.audiences, 'role', r.role, 'channel', d.channel, 'address', d.address,
          'status', d.status, 'errorCode', d.error_code, 'queuedAt', d.queued_at, 'sentAt', d.sent_at,
          'deliveredAt', d.delivered_at, 'acknowledgedAt', d.acknowledged_at)
          order by coalesce(d.escalation_step, 1), d.queued_at, d.id)
        from (
          select d.* from deliveries d
          where d.warning_id = c.warning_id and d.village_code = c.village_code and d.purpose = 'escalation'
          union all
          -- Step 1 of an ordinary chain is the primary posts' own copy of the warning.
          select d.* from recipients pr
          join deliveries d on d.warning_id = c.warning_id and d.recipient_id = pr.id and d.purpose = 'warning'
            and d.channel = any(${sql.param([...PERSON_CHANNELS])}::text[]::channel[])
          where pr.village_code = c.village_code and pr.role = 'primary' and pr.audiences && ${sql.param([...RESPONSIBLE_AUDIENCES])}::text[]
        ) d join recipients r on r.id = d.recipient_id
      ), '[]'::jsonb) as messages
    from escalation_chains c left join areas a on a.code = c.village_code
    where c.warning_id = ${warningId}::uuid ${o.afterVillage ? sql`and c.village_code > ${o.afterVillage}` : sql``}
    order by c.village_code
    limit ${o.limit}`);
  return rows.map((r) => ({
    villageCode: r.village_code,
    villageName: r.village_name ?? r.village_code,
    reason: r.reason,
    step: r.step,
    startedAt: new Date(r.started_at),
    stepAt: new Date(r.step_at),
    acknowledgedAt: r.acknowledged_at === null ? null : new Date(r.acknowledged_at),
    messages: r.messages.map((m) => ({
      ...m,
      deliveryId: Number(m.deliveryId),
      recipientId: Number(m.recipientId),
      queuedAt: iso(m.queuedAt)!,
      sentAt: iso(m.sentAt),
      deliveredAt: iso(m.deliveredAt),
      acknowledgedAt: iso(m.acknowledgedAt),
    })),
  }));
}
