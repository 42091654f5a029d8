// Shared steps of the job tests: run a job at an instant, and read what it left.
import { sql } from "drizzle-orm";
import type { Job } from "../../src/jobs/job.js";
import type { TestContext } from "../helpers/context.js";
import { LoopbackChannel, plainRenderer } from "../helpers/loopback-channel.js";
import { defaultDispatchOptions } from "../../src/dispatch/dispatcher.js";
import { drain } from "../helpers/dispatch.js";
import { unpaced } from "../../src/dispatch/pacer.js";
import { silentLogger } from "../../src/lib/log.js";
import type { ChannelKind } from "../../src/domain/vocabulary.js";

export const minutes = (t0: Date, m: number) => new Date(t0.getTime() + m * 60_000);

/** Runs the job for an instant, as node-cron or the Worker would. */
export const runAt = (c: TestContext, job: Job, at: Date) =>
  job.run(c.services, at) as Promise<Record<string, unknown>>;

/** The ordinary dispatcher over a loopback channel, until nothing is due: a batch is one
 * lane and one class, and a county's public is written by its walk as it is claimed. */
export async function dispatch(c: TestContext, kind: ChannelKind, at: Date) {
  const ch = new LoopbackChannel(kind);
  const deps = {
    db: c.tdb.db,
    channel: ch,
    bucket: unpaced,
    renderer: plainRenderer,
    owner: "jobs-test",
    now: () => at,
    log: silentLogger,
    options: defaultDispatchOptions,
  };
  await drain(deps);
  return ch;
}

export type EscalationRow = {
  id: number;
  recipient_id: number;
  channel: string;
  escalation_step: number;
  village_code: string;
  status: string;
  error_code: string | null;
  level_rank: number;
  priority: number;
};

export async function escalationRows(c: TestContext, warningId: string): Promise<EscalationRow[]> {
  const rows = await c.tdb.db.execute<EscalationRow>(sql`
    select id, recipient_id, channel, escalation_step, village_code, status, error_code, level_rank, priority
    from deliveries
    where warning_id = ${warningId} and purpose = 'escalation' order by escalation_step, recipient_id, channel`);
  return rows.map((r) => ({ ...r, id: Number(r.id), recipient_id: Number(r.recipient_id) }));
}

export async function chainOf(c: TestContext, warningId: string, village: string) {
  const [r] = await c.tdb.db.execute<{
    reason: string;
    step: number;
    acknowledged_at: Date | string | null;
    step_at: Date | string;
  }>(sql`
    select reason, step, acknowledged_at, step_at from escalation_chains where warning_id = ${warningId} and village_code = ${village}`);
  return r;
}

/** The delivery id of a person's message (warning or escalation) of a warning. */
export async function deliveryId(
  c: TestContext,
  warningId: string,
  recipientId: number,
  o: { purpose?: "warning" | "escalation"; channel?: string } = {},
) {
  const [r] = await c.tdb.db.execute<{ id: string }>(sql`
    select id from deliveries where warning_id = ${warningId} and recipient_id = ${recipientId}
      and purpose = ${o.purpose ?? "warning"} and channel = ${o.channel ?? "sms"} order by id limit 1`);
  if (!r) throw new Error(`no ${o.purpose ?? "warning"} delivery for recipient ${recipientId}`);
  return Number(r.id);
}
