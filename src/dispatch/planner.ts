// Warning → deliveries, set-based (DESIGN §9). A version with a public is planned after
// its issuing transaction, one step per transaction (progressive.ts): its targets first
// (planDeliveries: the villages, i.e. the coverage denominator, complete before any row;
// county platforms), then the people who must act one county per step (planCountyPeople),
// its loudspeakers and displays (planDevices), then the public one county per step, as
// walks (planCountyWalks: counted, its rows written by the claims, deliveries/walks.ts). A
// small version (officials alone, devices alone) is planned whole by planDeliveries inside
// its issuing transaction. Nothing loops per recipient in Node.
import { inArray, sql, type SQL } from "drizzle-orm";
import type { Db } from "../db/client.js";
import type { Warning } from "../db/queries/warnings.js";
import { warnings } from "../db/schema/index.js";
import {
  DEVICE_CHANNELS,
  DISPATCH_PRIORITY,
  FIRST_LANE_AUDIENCES,
  LEVEL_RANK,
  PERSON_CHANNELS,
  type ChannelKind,
} from "../domain/vocabulary.js";
import { inForceSql } from "../warnings/lifecycle.js";
import { notifyDeliveries } from "./notify.js";
import { planEbDeliveries } from "./eb-plan.js";
import { ledgerKey } from "./ledger-key.js";
import { readCursor, TARGETS, type PlanCursor } from "./plan-cursor.js";
import { awaitIssuesPlanning, awaitPlanSteps } from "./plan-lock.js";
import { countPlanned } from "../deliveries/coverage.js";
import { lockOpenWalks } from "../deliveries/walks.js";
import {
  packedCommands,
  unpackCommands,
  type DeviceCommandRow,
  type PackedCommands,
} from "../deliveries/device-commands.js";
import { addressOf, firstLane, inAreas, inCounty, prefixes, reachable } from "./audience.js";
import { advanceLedger, ledgerId, lockLedger, reserveLedger } from "../deliveries/ledger-ids.js";
import { DEVICE_SENDS_HOLD } from "../deliveries/device-sends.js";

export interface PlanResult {
  /** The device commands this plan wrote: an in-process hub may send them once the plan
   * has committed (Services.onDeviceCommands), before their notice and a read. */
  commands: DeviceCommandRow[];
  villages: number;
  /** Planned by this step; with `pending`, the people follow county by county. */
  deliveries: number;
  pending: boolean;
  noAddress: number;
  /** Villages kept although polygons were given, because they have no centroid to test. */
  villagesWithoutCentroid: number;
  /** The lanes (counties) of the targeted villages: where this warning's rows are. */
  lanes: string[];
  /** Its device commands are reserved, not written (`deferDevices`): their rows are the
   * hub's to write (deliveries/device-sends.ts). */
  devicesDeferred?: boolean;
}

/** The dispatch lane of a person's delivery, from their audiences (null: a device, the public's). */
const priorityOf = (audiences: SQL) =>
  sql`(case when coalesce(${audiences} && ${sql.param([...FIRST_LANE_AUDIENCES])}::text[], false)
        then ${DISPATCH_PRIORITY.responsible} else ${DISPATCH_PRIORITY.public} end)::smallint`;

/** The lanes (counties, sorted) of the village codes in `column`, as an aggregate. */
const lanesOf = (column: SQL) =>
  sql`coalesce(array_agg(distinct left(${column}, 6) order by left(${column}, 6)), '{}')`;

/** The tail of a planning statement: `rows` (giving `columns`) inserted as `w`'s deliveries,
 * numbered in its ledger and counted for its coverage; the statement answers how many (n)
 * and, with `commands`, the device commands it wrote, packed (unpackCommands). `first`: the
 * warning's first rows (countPlanned). */
const numbered = (w: Warning, columns: string, rows: SQL, o: { first?: boolean; commands?: boolean } = {}) => sql`
    ${lockLedger(sql`${w.id}::uuid`)},
    ins as (
      insert into deliveries (id, ${sql.raw(columns)})
      select ${ledgerId("ledger", sql`row_number() over ()`)}, planned.* from (${rows}) planned left join ledger on true
      returning warning_id, village_code, channel, purpose, failed_at${sql.raw(o.commands ? ", id, device_id, language" : "")}
    ),
    ${countPlanned("ins", { first: o.first ?? false })},
    ${advanceLedger("ins")}
    select count(*)::int as n${
      o.commands
        ? sql`, (select json_agg(g) from (
        select warning_id, channel, language, ${packedCommands("ins")} as cmds
        from ins where device_id is not null group by warning_id, channel, language) g) as commands`
        : sql``
    } from ins`;

const among = (list: readonly ChannelKind[]) => (c: string) => (list as readonly string[]).includes(c);

/** `deferDevices`: a device hub in this process sends the commands once the issue has
 * committed and writes their rows itself (deliveries/device-sends.ts): the plan reserves
 * them (reserveDeviceSends) instead of writing a row per device. */
export async function planDeliveries(
  tx: Db,
  w: Warning,
  now: Date,
  o: { deferDevices?: boolean } = {},
): Promise<PlanResult> {
  const at = now.toISOString();
  const [v] = await (w.msgType === "Cancel" ? planCancelVillages(tx, w) : planVillages(tx, w));
  const rank = LEVEL_RANK[w.level];
  const channels = channelsOf(w);
  const defer = o.deferDevices === true && w.msgType !== "Cancel" && w.planState !== "pending";
  // A Cancel's loudspeaker stops are few and must not wait; its all-clear to people is
  // planned county by county like any public fan-out. Either is the warning's first plan
  // (at its issue, or its progressive plan's targets step): its first counted rows.
  const [inserted] = await tx.execute<{ n: number; commands: PackedCommands[] | null }>(
    w.msgType === "Cancel"
      ? cancelDeliveries(w, rank, at, { devices: true })
      : warningDeliveries(w, {
          rank,
          at,
          ...channels,
          // A progressive plan writes its people and devices in later steps (plan-cursor.ts).
          people: w.planState === "pending" ? null : firstLane,
          devices: w.planState !== "pending" && !defer,
          first: true,
          commands: true,
        }),
  );
  const [reserved] =
    defer && channels.deviceChannels.length > 0
      ? await tx.execute<{ n: number; base: string | null; packed: string | null }>(
          reserveDeviceSends(w, rank, at, channels.deviceChannels),
        )
      : [];
  const eb = await planEbDeliveries(tx, w, rank, at);
  // The plan's statement has counted the no-address failures already: read them there
  // rather than RETURNING the rows to count them.
  const [f] = await tx.execute<{ n: number }>(
    sql`select coalesce(sum(failed), 0)::int as n from coverage_counts where warning_id = ${w.id}`,
  );
  return {
    commands: [...unpackCommands(inserted?.commands ?? []), ...unpackReserved(w, reserved)],
    devicesDeferred: (reserved?.n ?? 0) > 0,
    villages: v?.villages ?? 0,
    villagesWithoutCentroid: v?.without_centroid ?? 0,
    lanes: v?.lanes ?? [],
    deliveries: (inserted?.n ?? 0) + (reserved?.n ?? 0) + eb,
    pending: w.planState === "pending",
    noAddress: f?.n ?? 0,
  };
}

/**
 * The warning's loudspeakers and displays as one device_sends row instead of a row each
 * (deliveries/device-sends.ts): the devices in one array and a block of ledger ids, command
 * `base + i` for the i-th; their coverage counted as planned (targeted). Answers how many,
 * the base and the commands, packed (unpackReserved). The devices are those
 * warningDeliveries would write.
 */
function reserveDeviceSends(
  w: Warning,
  rank: number,
  at: string,
  deviceChannels: string[],
  o: { later?: boolean } = {},
): SQL {
  return sql`
    with ${prefixes(w)},
    targets as (
      select dv.id, dv.kind, dv.village_code, coalesce(dv.languages[1], 'zh')::language as language
      ${devicesReached(w, deviceChannels, { newOnly: o.later ?? false })}
    ),
    -- One pass, no sort: the aggregates of one node see the rows in one order, so the i-th
    -- device of the array is the i-th of the packed list (unpackReserved).
    agg as (
      select array_agg(t.id) as devices, count(*)::int as n,
        string_agg(t.kind::text || ' ' || t.language::text || ' ' || t.id::text, ' ') as packed
      from targets t
    ),
    ${lockLedger(sql`${w.id}::uuid`)},
    sends as (
      insert into device_sends (warning_id, issued_at, level_rank, queued_at, base, devices, unwritten, hold_until)
      select ${w.id}::uuid, ${ledgerKey(w)}, ${rank}::smallint, ${at}::timestamptz,
        ${ledgerId("ledger", sql`0`)}, agg.devices, agg.n, now() + ${DEVICE_SENDS_HOLD}::interval
      from agg left join ledger on true
      where agg.n > 0
      returning base, unwritten
    ),
    ${reserveLedger(sql`${w.id}::uuid`, sql`coalesce((select unwritten from sends), 0)`)},
    -- At the issue, the warning's first counters of these channels: plain inserts
    -- (countPlanned's first). Later (a progressive plan's step) a late joiner may have one.
    counted as (
      insert into coverage_counts as cc (warning_id, village_code, channel, targeted)
      select ${w.id}::uuid, village_code, kind::text::channel, count(*) from targets group by 2, 3
      ${
        o.later
          ? sql`order by 2, 3
      on conflict (warning_id, village_code, channel) do update set targeted = cc.targeted + excluded.targeted`
          : sql``
      }
      returning 1
    )
    select coalesce((select unwritten from sends), 0) as n, (select base from sends) as base,
      (select packed from agg) as packed`;
}

/** The commands reserveDeviceSends answered: "kind language device …", the i-th (from 1)
 * numbered base + i. */
function unpackReserved(w: Warning, r: { base: string | number | null; packed: string | null } | undefined) {
  const out: DeviceCommandRow[] = [];
  if (!r?.packed || r.base === null) return out;
  const base = Number(r.base);
  const parts = r.packed.split(" ");
  for (let i = 0; i + 2 < parts.length; i += 3) {
    out.push({
      id: base + i / 3 + 1,
      channel: parts[i] as DeviceCommandRow["channel"],
      language: parts[i + 1] as DeviceCommandRow["language"],
      deviceId: parts[i + 2]!,
      warningId: w.id,
      unwritten: true,
    });
  }
  return out;
}

/** A progressive plan's loudspeakers and displays reserved for a device hub to write
 * (reserveDeviceSends), as planDevices would write them: devices without a row yet. */
export async function reserveDevices(tx: Db, w: Warning, now: Date): Promise<DeviceCommandRow[]> {
  const { deviceChannels } = channelsOf(w);
  if (deviceChannels.length === 0) return [];
  const [r] = await tx.execute<{ n: number; base: string | null; packed: string | null }>(
    reserveDeviceSends(w, LEVEL_RANK[w.level], now.toISOString(), deviceChannels, { later: true }),
  );
  return unpackReserved(w, r);
}

/** A progressive plan's loudspeakers and displays, after the people who must act: one
 * statement, as the issue wrote them before (a few thousand rows). Only devices without a
 * row yet: a version issued before this step existed planned its devices at issue, and a
 * late joiner may have been planned meanwhile. Returns how many rows it wrote. */
export async function planDevices(tx: Db, w: Warning, now: Date): Promise<number> {
  const [r] = await tx.execute<{ n: number }>(
    warningDeliveries(w, {
      rank: LEVEL_RANK[w.level],
      at: now.toISOString(),
      ...channelsOf(w),
      people: null,
      devices: true,
      newDevicesOnly: true,
    }),
  );
  return r?.n ?? 0;
}

/** The lanes (counties, sorted) of a warning's targeted villages. */
export async function warningLanes(tx: Db, warningId: string): Promise<string[]> {
  const [l] = await tx.execute<{ lanes: string[] }>(
    sql`select ${lanesOf(sql`village_code`)} as lanes from coverage_villages where warning_id = ${warningId}`,
  );
  return l?.lanes ?? [];
}

/** One county of the public's deliveries (the people outside the first lane, or a
 * Cancel's all-clear to everyone the thread reached): a step of progressive.ts. */
export async function planCountyPeople(
  tx: Db,
  w: Warning,
  county: string,
  now: Date,
  phase: PlanCursor["phase"] = "public",
): Promise<number> {
  if (w.msgType !== "Cancel" && phase === "public") return planCountyWalks(tx, w, county, now);
  const at = now.toISOString();
  const rank = LEVEL_RANK[w.level];
  const [r] = await tx.execute<{ n: number }>(
    w.msgType === "Cancel"
      ? cancelDeliveries(w, rank, at, { county })
      : warningDeliveries(w, {
          rank,
          at,
          ...channelsOf(w),
          people: sql`${phase === "first-lane" ? firstLane : sql`not (${firstLane})`} and ${inCounty(sql`r.village_code`, county)}`,
          villages: inCounty(sql`tv.village_code`, county),
          devices: false,
        }),
  );
  return r?.n ?? 0;
}

/**
 * A county's public as walks (deliveries/walks.ts), one per person channel: its people
 * (outside the first lane, planned already) with an address on the channel, counted per
 * village into `targeted` and `pending`, a block of ledger ids reserved for them (and some
 * to spare), and one public_walks row per channel. No row per person: the claims write
 * them batch by batch. Those without an address on a channel are written at once, `failed` (no_address), as
 * before: staff see whose contacts are missing while the storm is on, not as a walk
 * reaches them. Returns the people planned, all channels together (what the county's
 * rows would have been).
 */
async function planCountyWalks(tx: Db, w: Warning, county: string, now: Date): Promise<number> {
  const channels = channelsOf(w);
  const { personChannels } = channels;
  if (personChannels.length === 0) return 0;
  const rank = LEVEL_RANK[w.level];
  const [failed] = await tx.execute<{ n: number }>(
    warningDeliveries(w, {
      rank,
      at: now.toISOString(),
      ...channels,
      people: sql`not (${firstLane}) and ${inCounty(sql`r.village_code`, county)}`,
      villages: inCounty(sql`tv.village_code`, county),
      devices: false,
      noAddressOnly: true,
    }),
  );
  const [r] = await tx.execute<{ n: number }>(sql`
    with ${prefixes(w)},
    chans as (select ch::channel as channel, ord from unnest(${sql.param(personChannels)}::text[]) with ordinality c(ch, ord)),
    counted as (
      select r.village_code, ch.channel, ch.ord, count(*)::int as n
      from recipients r join coverage_villages tv on tv.warning_id = ${w.id} and tv.village_code = r.village_code
        and ${inCounty(sql`tv.village_code`, county)}
        cross join chans ch
      where ${inCounty(sql`r.village_code`, county)} and ${reachable(w)} and not (${firstLane})
        and ${addressOf(sql`ch.channel`, "r")} is not null
      group by r.village_code, ch.channel, ch.ord
    ),
    -- Each walk's ids: its people and a tenth more (at least 16) for people who join its
    -- villages before it reaches them.
    sized as (
      select channel, ord, sum(n)::int as n, (sum(n) + greatest(16, sum(n) / 10))::int as ids
      from counted group by channel, ord
    ),
    totals as (
      select channel, ord, n, ids,
        coalesce(sum(ids) over (order by ord rows between unbounded preceding and 1 preceding), 0)::int as before
      from sized
    ),
    counts as (
      insert into coverage_counts as cc (warning_id, village_code, channel, targeted, pending)
      select ${w.id}::uuid, village_code, channel, n, n from counted
      order by 2, 3
      on conflict (warning_id, village_code, channel) do update
        set targeted = cc.targeted + excluded.targeted, pending = cc.pending + excluded.pending
      returning 1
    ),
    ${lockLedger(sql`${w.id}::uuid`)},
    walks as (
      insert into public_walks (warning_id, lane, channel, issued_at, priority, level_rank, queued_at, base, planned, ids)
      select ${w.id}::uuid, ${county}, t.channel, ${ledgerKey(w)}, ${DISPATCH_PRIORITY.public}::smallint,
        ${rank}::smallint, ${now.toISOString()}::timestamptz, ${ledgerId("ledger", sql`t.before`)}, t.n, t.ids
      from totals t left join ledger on true
      returning planned, ids
    ),
    ${reserveLedger(sql`${w.id}::uuid`, sql`coalesce((select sum(ids) from walks), 0)`)}
    select coalesce((select sum(planned) from walks), 0)::int as n`);
  return (failed?.n ?? 0) + (r?.n ?? 0);
}

/** The loudspeakers and displays a warning's plan reaches, as `dv` (CTE `pref` in scope):
 * active, of its device channels, in its targeted villages (`villages` narrows those) and
 * areas; with `newOnly`, those without a row of it yet. One definition for the plan that
 * writes their rows and the one that reserves them (reserveDeviceSends). */
const devicesReached = (
  w: Warning,
  deviceChannels: string[],
  o: { villages?: SQL | undefined; newOnly?: boolean; extra?: SQL } = {},
) => sql`
      from devices dv join coverage_villages tv on tv.warning_id = ${w.id} and tv.village_code = dv.village_code
        ${o.villages ? sql`and ${o.villages}` : sql``}
      where dv.revoked_at is null and dv.kind::text = any(${sql.param(deviceChannels)}::text[])
        ${inAreas(w, sql`dv.area_code`)}
        ${o.extra ?? sql``}
        ${
          o.newOnly
            ? sql`and not exists (select 1 from deliveries d where d.warning_id = ${w.id}::uuid and d.device_id = dv.id)`
            : sql``
        }`;

/** Targeted villages with the population each contributes to the coverage denominator. */
interface Only {
  recipientIds?: number[];
  deviceIds?: string[];
}

/** Deliveries of a (non-Cancel) warning: the people `people` selects (and its devices
 * with `devices`); with `only`, just those targets' rows that do not exist yet (a late
 * joiner), so running it again creates nothing. */
function warningDeliveries(
  w: Warning,
  o: {
    rank: number;
    at: string;
    personChannels: string[];
    deviceChannels: string[];
    /** Which people; null: none (the issue of a progressive plan writes its devices only). */
    people: SQL | null;
    villages?: SQL;
    devices: boolean;
    /** Devices that have no row of this warning yet (always so for `only`). */
    newDevicesOnly?: boolean;
    /** The warning's first rows (planDeliveries). */
    first?: boolean;
    /** Answer the device commands written (numbered). */
    commands?: boolean;
    only?: Only;
    /** Only the people's channels they have no address on (their failed rows): the rest
     * are a county walk's (planCountyWalks). */
    noAddressOnly?: boolean;
  },
) {
  const { rank, at, personChannels, only } = o;
  const deviceChannels = o.devices ? o.deviceChannels : [];
  const onlyPeople = only ? sql`and r.id = any(${sql.param(only.recipientIds ?? [])}::bigint[])` : sql``;
  const onlyDevices = only ? sql`and dv.id = any(${sql.param(only.deviceIds ?? [])}::uuid[])` : sql``;
  const newPerson = only
    ? sql`where not exists (select 1 from deliveries d where d.warning_id = ${w.id}::uuid and d.recipient_id = p.id
            and d.channel = ch::channel and d.purpose = 'warning')`
    : sql``;
  const targeted = (village: SQL) =>
    sql`tv.warning_id = ${w.id} and tv.village_code = ${village} ${o.villages ? sql`and ${o.villages}` : sql``}`;
  return sql`
    with ${prefixes(w)},
    -- The targeted villages are joined by key (coverage_villages' primary key), never read
    -- as a CTE: a new warning's villages are not in the table's statistics, and once a few
    -- warnings are, its villages are estimated at one row; a CTE was then rescanned for
    -- every device (10,000 × 2,457 comparisons: 1.5-3.7 s of an approve instead of 0.14 s).
    -- A key lookup stays cheap whichever side the planner starts from.
    people as (
      select r.id, r.village_code, r.phone, r.email, r.language, r.area_code, r.audiences
      ${
        o.people === null
          ? // No join at all: a false filter inside it still probed recipients per village.
            sql`from recipients r where false`
          : sql`from recipients r join coverage_villages tv on ${targeted(sql`r.village_code`)}
      where ${reachable(w)}
        and ${o.people}
        ${onlyPeople}`
      }
    ),
    ${numbered(
      w,
      "warning_id, issued_at, channel, recipient_id, device_id, village_code, address, language, level_rank, priority, status, queued_at, next_attempt_at, failed_at, error_code, error",
      sql`
      select ${w.id}::uuid, ${ledgerKey(w)}, ch::channel, p.id, null, p.village_code, a.addr, p.language, ${rank}::smallint,
             ${priorityOf(sql`p.audiences`)},
             case when a.addr is null then 'failed' else 'queued' end::delivery_status,
             ${at}::timestamptz, ${at}::timestamptz,
             case when a.addr is null then ${at}::timestamptz end,
             case when a.addr is null then 'no_address' end,
             case when a.addr is null then 'recipient has no ' || ${addressOf(sql`ch`, "p", { field: true })} end
      from people p
      cross join unnest(${sql.param(personChannels)}::text[]) ch
      cross join lateral (select ${addressOf(sql`ch`, "p")} as addr) a
      ${newPerson}
      ${o.noAddressOnly ? sql`${only ? sql`and` : sql`where`} a.addr is null` : sql``}
      union all
      select ${w.id}::uuid, ${ledgerKey(w)}, dv.kind::text::channel, null, dv.id, dv.village_code, null,
             coalesce(dv.languages[1], 'zh')::language, ${rank}::smallint, ${DISPATCH_PRIORITY.public}::smallint,
             'queued', ${at}::timestamptz, ${at}::timestamptz, null, null, null
      ${devicesReached(w, deviceChannels, { villages: o.villages, newOnly: Boolean(only || o.newDevicesOnly), extra: onlyDevices })}`,
      { first: o.first ?? false, commands: o.commands ?? false },
    )}`;
}

export function channelsOf(w: Pick<Warning, "channels" | "audiences">) {
  return {
    personChannels: w.channels.filter(among(PERSON_CHANNELS)),
    // Loudspeakers and displays speak to everyone: only public warnings use them.
    deviceChannels: w.audiences.includes("public") ? w.channels.filter(among(DEVICE_CHANNELS)) : [],
  };
}

/** Whether any warning in force could take a late joiner (planLateJoiners finds none
 * otherwise): lets a bulk import skip reading back the ids of a million new people. */
export async function joinersMayBePlanned(tx: Db, now: Date): Promise<boolean> {
  const [r] = await tx.execute<{ any: boolean }>(sql`
    select exists (select 1 from warnings w where ${inForceSql("w", now.toISOString())} and w.msg_type <> 'Cancel') as any`);
  return r?.any ?? false;
}

/**
 * A person or device added inside a targeted village while a warning is in force gets
 * that warning once, without an update being issued: a replaced loudspeaker controller
 * must not stay silent through the storm (DESIGN §5). The coverage denominator (the
 * villages' population) does not change. Returns the warnings that got new rows.
 *
 * A warning still planning its public (plan_state 'pending') reaches a member of the
 * public in a county after its cursor by itself, so they are left to it: one delivery per
 * person, never two. It waits for the plan step under way (plan-lock.ts, shared) before
 * reading the cursor: without that a county planned from a snapshot taken before this
 * person was committed, with a cursor read before that county committed, would reach them
 * from neither side.
 */
export async function planLateJoiners(
  tx: Db,
  only: Only,
  now: Date,
): Promise<{ warningId: string; deliveries: number }[]> {
  if (!only.recipientIds?.length && !only.deviceIds?.length) return [];
  const at = now.toISOString();
  // The joiners' counties: the lanes their rows land in, named in the notice, and the
  // joiners' locks this takes.
  const [joined] = await tx.execute<{ lanes: string[] }>(sql`
    select ${lanesOf(sql`village_code`)} as lanes from (
      select village_code from recipients where id = any(${sql.param(only.recipientIds ?? [])}::bigint[])
      union all select village_code from devices where id = any(${sql.param(only.deviceIds ?? [])}::uuid[])) j`);
  const lanes = joined?.lanes ?? [];
  // A version being planned whole in its issuing transaction cannot be seen yet: wait for
  // those of these counties to commit (plan-lock.ts holdJoinersOut).
  await awaitIssuesPlanning(tx, lanes);
  // A version whose targets are being planned has no villages to find yet: wait for that
  // step before looking, else a targets step that read the people before this joiner
  // committed would miss them and so would we. One that has not started yet reads them
  // itself after we commit (the shared lock keeps it from starting). Later steps are
  // waited for below (the villages are there to find).
  const targeting = await tx.execute<{ id: string }>(sql`
    select w.id from warnings w
    where ${inForceSql("w", at)} and w.plan_state = 'pending' and w.plan_cursor = ${TARGETS}`);
  await awaitPlanSteps(
    tx,
    targeting.map((r) => r.id),
  );
  const inVillages = sql`exists (select 1 from coverage_villages cv where cv.warning_id = w.id and cv.village_code in (
        select village_code from recipients where id = any(${sql.param(only.recipientIds ?? [])}::bigint[])
        union select village_code from devices where id = any(${sql.param(only.deviceIds ?? [])}::uuid[])))`;
  const found = await tx.execute<{ id: string }>(sql`
    select w.id from warnings w where ${inForceSql("w", at)} and w.msg_type <> 'Cancel' and ${inVillages}`);
  if (found.length === 0) return [];
  await awaitPlanSteps(
    tx,
    found.map((r) => r.id),
  );
  // Read again after the wait: a version that ended meanwhile takes no one new.
  const open = await tx.execute<{ id: string }>(sql`
    select w.id from warnings w
    where w.id = any(${sql.param(found.map((r) => r.id))}::uuid[]) and ${inForceSql("w", at)}`);
  if (open.length === 0) return [];
  const ws = await tx
    .select()
    .from(warnings)
    .where(
      inArray(
        warnings.id,
        open.map((r) => r.id),
      ),
    );
  const created: { warningId: string; deliveries: number }[] = [];
  for (const w of ws) {
    // Plan now only whom the pending plan has passed already: it reaches the rest itself.
    const cursor = readCursor(w);
    const passedByPlan =
      w.planState !== "pending"
        ? sql`true`
        : cursor.phase === "targets"
          ? sql`false`
          : cursor.phase === "first-lane"
            ? sql`(${firstLane} and left(r.village_code, 6) <= ${cursor.after})`
            : cursor.phase === "devices"
              ? firstLane
              : sql`(${firstLane} or left(r.village_code, 6) <= ${cursor.after})`;
    // Devices: only once the plan's devices step is behind it (public phase), else that
    // step reaches them itself.
    const devicesPassed = w.planState !== "pending" || cursor.phase === "public";
    // A walk of the joiners' counties may be writing them right now: wait for it, so this
    // statement sees what it wrote (and it, what this writes).
    if (only.recipientIds?.length) await lockOpenWalks(tx, w.id, lanes);
    const [rows] = await tx.execute<{ n: number }>(
      warningDeliveries(w, {
        rank: LEVEL_RANK[w.level],
        at,
        ...channelsOf(w),
        people: passedByPlan,
        devices: devicesPassed,
        only,
      }),
    );
    if ((rows?.n ?? 0) > 0) {
      created.push({ warningId: w.id, deliveries: rows!.n });
      await notifyDeliveries(tx, w.id, { lanes, peopleOnly: !only.deviceIds?.length });
    }
  }
  return created;
}

type VillagesPlanned = { villages: number; without_centroid: number; lanes: string[] };

function planVillages(tx: Db, w: Warning) {
  return tx.execute<VillagesPlanned>(sql`
    with pref as (select c, area_prefix(c) as p from unnest(${sql.param(w.areaCodes)}::text[]) c),
    whole as (
      select a.code, a.population, a.lat from areas a
      where a.kind = 'village' and exists (select 1 from pref where a.code like pref.p || '%')
        and (${w.polygons === null} or a.lat is null or in_polygons(a.lat, a.lon, ${JSON.stringify(w.polygons ?? [])}::jsonb))
    ),
    -- A grid code targets part of a village: its population is the grids' own figure,
    -- else the people registered there.
    partial as (
      select split_part(pref.c, '-', 1) as code,
             nullif(sum(g.population), 0) as grid_pop,
             (select count(*) from recipients r where r.area_code = any(array_agg(pref.c)) and r.active) as people
      from pref left join areas g on g.code = pref.c
      where pref.c like '%-%' and split_part(pref.c, '-', 1) not in (select code from whole)
      group by 1
    ),
    rows as (
      select code, coalesce(population, (select count(*) from recipients r where r.village_code = whole.code and r.active))::int as population, lat from whole
      union all
      select code, coalesce(grid_pop, people)::int, 0 from partial
    ),
    ins as (
      insert into coverage_villages (warning_id, village_code, population)
      select ${w.id}::uuid, code, population from rows
      on conflict do nothing
      returning 1
    )
    select (select count(*) from ins)::int as villages,
           (select count(*) from rows where ${w.polygons !== null} and lat is null)::int as without_centroid,
           (select ${lanesOf(sql`code`)} from rows) as lanes`);
}

/** A Cancel reaches the villages its thread reached. */
function planCancelVillages(tx: Db, w: Warning) {
  return tx.execute<VillagesPlanned>(sql`
    with ins as (
      insert into coverage_villages (warning_id, village_code, population)
      select distinct on (cv.village_code) ${w.id}::uuid, cv.village_code, cv.population
      from coverage_villages cv join warnings p on p.id = cv.warning_id
      where p.thread_id = ${w.threadId} and p.id <> ${w.id}
      order by cv.village_code, p.version desc
      on conflict do nothing
      returning village_code
    )
    select count(*)::int as villages, 0 as without_centroid,
           ${lanesOf(sql`village_code`)} as lanes from ins`);
}

/** The all-clear goes to every person a version of the thread was sent to (one county at a
 * time), and a stop to every device any version targeted (eb platforms get theirs in
 * eb-plan.ts). */
function cancelDeliveries(w: Warning, rank: number, at: string, scope: { devices: true } | { county: string }) {
  const targets =
    "county" in scope
      ? sql`d.recipient_id is not null and d.sent_at is not null and ${inCounty(sql`d.village_code`, scope.county)}`
      : sql`d.device_id is not null`;
  // A loudspeaker whose command went out but whose row its hub has not written yet (the
  // first second of an approve: deliveries/device-sends.ts) gets its stop too: the earlier
  // versions' reservations name their devices.
  const reserved =
    "devices" in scope
      ? sql`
        union all
        select dv.kind::text::channel, null::bigint, dv.id, dv.village_code, coalesce(dv.languages[1], 'zh')::language
        from device_sends s cross join lateral unnest(s.devices) as u(device_id) join devices dv on dv.id = u.device_id
        where s.warning_id in (select id from earlier)`
      : sql``;
  return sql`
    with earlier as (select id from warnings where thread_id = ${w.threadId} and id <> ${w.id}),
    ${numbered(
      w,
      "warning_id, issued_at, channel, recipient_id, device_id, village_code, address, language, level_rank, priority, status, queued_at, next_attempt_at",
      sql`
      select distinct on (d.recipient_id, d.device_id, d.channel)
             ${w.id}::uuid, ${ledgerKey(w)}, d.channel, d.recipient_id, d.device_id, d.village_code,
             ${addressOf(sql`d.channel`, "r")}, coalesce(r.language, d.language), ${rank}::smallint,
             ${priorityOf(sql`r.audiences`)},
             'queued'::delivery_status, ${at}::timestamptz, ${at}::timestamptz
      from (
        select d.channel, d.recipient_id, d.device_id, d.village_code, d.language
        from deliveries d
        where d.warning_id in (select id from earlier) and d.purpose = 'warning' and d.channel <> 'eb' and ${targets}
        ${reserved}
      ) d left join recipients r on r.id = d.recipient_id
      order by d.recipient_id, d.device_id, d.channel`,
      { first: "devices" in scope, commands: "devices" in scope },
    )}`;
}
