// Failed deliveries of one warning grouped by channel and reason, and the retry backlog
// (queued rows carrying the last transient error). Read on the board's page load, not on
// every live tick: it scans the warning's deliveries through the (warning, recipient) index.
import { sql } from "drizzle-orm";
import type { Db } from "../client.js";
import type { ChannelKind } from "../../domain/vocabulary.js";

export interface FailureGroup {
  channel: ChannelKind;
  errorCode: string | null;
  count: number;
  example: string | null;
}
export interface RetryBacklog {
  channel: ChannelKind;
  count: number;
  lastError: string | null;
}

export async function failuresOf(
  db: Db,
  warningId: string,
): Promise<{ failed: FailureGroup[]; retrying: RetryBacklog[] }> {
  const failed = await db.execute<{
    channel: ChannelKind;
    error_code: string | null;
    n: number;
    example: string | null;
  }>(sql`
    select channel, error_code, count(*)::int as n, min(error) as example from deliveries
    where warning_id = ${warningId}::uuid and status = 'failed'
    group by channel, error_code order by count(*) desc, channel`);
  const retrying = await db.execute<{ channel: ChannelKind; n: number; last_error: string | null }>(sql`
    select channel, count(*)::int as n,
      (array_agg(error order by claimed_at desc nulls last))[1] as last_error
    from deliveries where warning_id = ${warningId}::uuid and status = 'queued' and error is not null
    group by channel order by channel`);
  return {
    failed: failed.map((r) => ({ channel: r.channel, errorCode: r.error_code, count: r.n, example: r.example })),
    retrying: retrying.map((r) => ({ channel: r.channel, count: r.n, lastError: r.last_error })),
  };
}
