// Device commands sent before their rows are written (issue 17, docs/scale.md "The devices'
// rows after their frames"). An approve with a device hub in its process plans its
// loudspeakers and displays as one device_sends row (planner.ts reserveDeviceSends): the
// devices in order and a block of ledger ids. The hub sends the frames once the approve
// has committed, then writes each command's row here, once: with what happened to it
// (sent, or delivered with its receipt) after the burst, or `queued` at once for a device
// it could not send to (the notice then reaches the hub holding it). Part of the one home
// for delivery state (src/deliveries).
//
// The rows of a city's 10,000 commands were written inside the approve (~75 ms of its
// ~100) and then updated as the receipts came: the first frame waited for the first
// write, and the second crossed the same two cores as the frames.
import { sql, type SQL } from "drizzle-orm";
import type { Db } from "../db/client.js";
import type { Language } from "../domain/vocabulary.js";
import type { DeviceCommandRow } from "./device-commands.js";
import { jsonRows } from "../db/json-rows.js";
import { notifyDeliveries } from "../dispatch/notify.js";
import { DISPATCH_PRIORITY } from "../domain/vocabulary.js";
import { changedColumns, countChanges } from "./coverage.js";
import { errorFields, type Logger } from "../lib/log.js";
import type { Warning } from "../db/queries/warnings.js";

/** How long a hub has to write the rows of the commands it sent (database time): after
 * that anyone writes them `queued` (writeOverdueDeviceSends). */
export const DEVICE_SENDS_HOLD = "10 seconds";

/** A command whose row is to be written: sent (its language, when it went out and when it
 * arrived, if known), or not (`queued`). */
export interface DeviceSendRecord {
  id: number;
  warningId: string;
  sent?: { language: Language; sentAt: Date; deliveredAt?: Date | undefined };
}

/** The statement's tail: the rows of `sends` (device_sends rows, locked) whose command ids
 * `o` (id, status, language, sent_at, delivered_at) names, inserted with what `o` says,
 * counted, and each send's count of unwritten commands moved on (the row gone at none;
 * with `finish`, gone whatever is left: an overdue write writes them all). Rows written
 * already are left as they are. */
const writeRows = (sendsCte: string, oCte: string, o2: { finish?: boolean } = {}): SQL => {
  const [sends, o] = [sql.raw(sendsCte), sql.raw(oCte)];
  return sql`
    src as (
      select s.warning_id, s.issued_at, s.level_rank, s.queued_at, s.base + u.place as id, u.device_id
      from ${sends} s cross join lateral unnest(s.devices) with ordinality as u(device_id, place)
    ),
    ins as (
      insert into deliveries as d (id, warning_id, issued_at, channel, device_id, village_code, language,
        rendered_language, level_rank, priority, status, queued_at, next_attempt_at, sent_at, delivered_at,
        provider_id, attempts, failed_at, error_code, error)
      select src.id, src.warning_id, src.issued_at, dv.kind::text::channel, dv.id, dv.village_code,
        coalesce(dv.languages[1], 'zh')::language, o.language, src.level_rank, ${DISPATCH_PRIORITY.public}::smallint,
        case when x.revoked then 'failed' else o.status end, src.queued_at, src.queued_at, o.sent_at, o.delivered_at,
        case when o.sent_at is not null then src.id::text end, (o.sent_at is not null)::int,
        -- Not sent, and revoked meanwhile: failed as the revoke fails its waiting commands.
        case when x.revoked then greatest(dv.revoked_at, src.queued_at) end,
        case when x.revoked then 'device_revoked' end, case when x.revoked then 'device revoked' end
      from src join ${o} o on o.id = src.id join devices dv on dv.id = src.device_id
        cross join lateral (select o.sent_at is null and dv.revoked_at is not null as revoked) x
      on conflict do nothing
      returning ${changedColumns(null)}, d.status, d.lane
    ),
    ${countChanges("ins")},
    -- Counted by the rows inserted, not the ids asked for: a write repeated (or a row
    -- written already) must not count twice, or the reservation would go with commands
    -- still unwritten.
    handled as (select warning_id, count(*)::int as n from ins group by 1),
    moved as (
      update device_sends s set unwritten = s.unwritten - h.n from handled h
      where s.warning_id = h.warning_id and s.unwritten > h.n ${o2.finish ? sql`and false` : sql``}
      returning 1
    ),
    gone as (
      delete from device_sends s ${
        o2.finish
          ? sql`where s.warning_id in (select warning_id from ${sends})`
          : sql`using handled h where s.warning_id = h.warning_id and s.unwritten <= h.n`
      }
      returning 1
    )`;
};

type Written = { warning_id: string; lanes: string[] | null; n: number };

/** Notices for the hubs: the queued rows just written, per warning and lane. */
async function notifyQueued(tx: Db, written: readonly Written[]): Promise<void> {
  for (const w of written) if (w.lanes?.length) await notifyDeliveries(tx, w.warning_id, { lanes: w.lanes });
}

/**
 * Writes the rows of these commands from their warnings' device_sends: `queued` for those
 * not sent, else `sent` (or `delivered`, the receipt in hand) with their stamps; one write
 * per command, its counters moved with it. The queued ones are announced to the hubs.
 * Returns the ids whose rows were written already (an overdue write got there first): the
 * caller records those as it records any queued row that went out (markDeviceCommandsSent).
 */
export async function writeDeviceSends(db: Db, records: DeviceSendRecord[]): Promise<number[]> {
  if (records.length === 0) return [];
  const rows = jsonRows(
    records.map((r) => ({
      id: r.id,
      status: r.sent ? (r.sent.deliveredAt ? "delivered" : "sent") : "queued",
      language: r.sent?.language ?? null,
      sent_at: r.sent?.sentAt.toISOString() ?? null,
      delivered_at: r.sent?.deliveredAt?.toISOString() ?? null,
    })),
  );
  const warningIds = [...new Set(records.map((r) => r.warningId))];
  return db.transaction(async (tx) => {
    const [r] = await tx.execute<{ missed: string[]; written: Written[] | null }>(sql`
      with o as (
        select * from jsonb_to_recordset(${rows})
          as o(id bigint, status delivery_status, language language, sent_at timestamptz, delivered_at timestamptz)
      ),
      sends as (
        select * from device_sends where warning_id = any(${sql.param(warningIds)}::uuid[])
        order by warning_id for update
      ),
      ${writeRows("sends", "o")}
      select
        (select coalesce(array_agg(o.id), '{}') from o where not exists (select 1 from ins where ins.id = o.id)) as missed,
        (select json_agg(q) from (
          select warning_id, array_agg(distinct lane order by lane) as lanes, count(*)::int as n
          from ins where status = 'queued' group by warning_id) q) as written`);
    await notifyQueued(tx, r?.written ?? []);
    return (r?.missed ?? []).map(Number);
  });
}

/** Gives the commands an issue or a plan step has just committed to the device hub in this
 * process, which sends them (and writes the rows of the reserved ones). If there is none, or
 * it throws, the reserved ones are written `queued` now, and their notice delivers them; if
 * that fails too, their reservation's hold runs out and anyone writes them then. */
export async function handToHub(
  db: Db,
  hub: ((commands: DeviceCommandRow[], warning: Warning) => void) | undefined,
  commands: DeviceCommandRow[],
  warning: Warning,
  log: Logger,
): Promise<void> {
  if (commands.length === 0) return;
  try {
    if (!hub) {
      if (!commands.some((c) => c.unwritten)) return;
      throw new Error("no device hub in this process");
    }
    hub(commands, warning);
  } catch (e) {
    log.error("hand-off of device commands failed", { warningId: warning.id, ...errorFields(e) });
    await writeUnsentCommands(db, commands).catch((e2: unknown) =>
      log.error("writing device commands failed", { warningId: warning.id, ...errorFields(e2) }),
    );
  }
}

/** Writes `queued` the rows of the reserved commands (`unwritten`) among `rows`: those no
 * hub sent (offline, elsewhere) or no hub took. Their notice brings them to the hub holding
 * each device. */
export async function writeUnsentCommands(db: Db, rows: readonly DeviceCommandRow[]): Promise<void> {
  const unwritten = rows.filter((r) => r.unwritten);
  if (unwritten.length > 0)
    await writeDeviceSends(
      db,
      unwritten.map((r) => ({ id: r.id, warningId: r.warningId })),
    );
}

/** Writes `queued` the rows of commands whose hub never wrote them (it died, or its write
 * failed) once their hold has passed: the same ids, so a device that had the frame knows
 * it again. A few warnings per statement; any instance may run it (the hub's catch-up,
 * the plan-pending job). Returns how many rows it wrote, and says so in `log`: it is never
 * the usual path (a hub, or a hand-off between threads, failed), and those devices had
 * their commands late or will have them on their next hello. */
export async function writeOverdueDeviceSends(db: Db, log?: Logger): Promise<number> {
  const n = await writeOverdue(db);
  if (n > 0) log?.warn("device commands written after their hold ran out: no hub wrote them", { commands: n });
  return n;
}

async function writeOverdue(db: Db): Promise<number> {
  return db.transaction(async (tx) => {
    const [r] = await tx.execute<{ written: Written[] | null }>(sql`
      with sends as (
        select * from device_sends where hold_until < clock_timestamp()
        order by hold_until limit 8 for update skip locked
      ),
      o as (
        select s.base + u.place as id, 'queued'::delivery_status as status, null::language as language,
          null::timestamptz as sent_at, null::timestamptz as delivered_at
        from sends s cross join lateral unnest(s.devices) with ordinality as u(device_id, place)
      ),
      ${writeRows("sends", "o", { finish: true })}
      select json_agg(q) as written from (
        select warning_id, array_agg(distinct lane order by lane) as lanes, count(*)::int as n
        from ins group by warning_id) q`);
    const written = r?.written ?? [];
    await notifyQueued(tx, written);
    return written.reduce((n, w) => n + w.n, 0);
  });
}
