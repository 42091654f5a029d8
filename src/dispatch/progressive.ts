// Progressive planning (issue 17): the issuing transaction records the intent only (the
// version issued, plan_state 'pending', its cursor at 'targets'), so an approve or a cancel
// costs the same for a village and a city. Any dispatcher process (and the plan-pending
// job) then plans it one step per transaction: its targets (villages, county platforms:
// planner.ts planDeliveries), then the people who must act county by county, then its
// loudspeakers and displays (planDevices), then the public county by county (plan-cursor.ts).
// The people who must act come before the devices, which speak to the public: their first
// SMS does not wait for a city's 2,700 loudspeaker commands to be written and sent.
// Sending starts at the first commit, and a planner that dies mid-way resumes after the
// last step it committed, never leaving a step half planned. A version no longer in force (superseded, cancelled, expired) stops
// planning. Counties are also Citus's lanes (docs/scale.md).
import { eq, sql } from "drizzle-orm";
import type { Db } from "../db/client.js";
import type { Warning } from "../db/queries/warnings.js";
import { writeAudit } from "../db/queries/audit.js";
import { warnings } from "../db/schema/index.js";
import { DISPATCH_PRIORITY, FIRST_LANE_AUDIENCES, LEVEL_RANK } from "../domain/vocabulary.js";
import { inForce } from "../warnings/lifecycle.js";
import { CLAIMABLE } from "../deliveries/claims.js";
import { notifyDeliveries } from "./notify.js";
import { channelsOf, planCountyPeople, planDeliveries, planDevices, reserveDevices, warningLanes } from "./planner.js";
import type { DeviceCommandRow } from "../deliveries/device-commands.js";
import { handToHub } from "../deliveries/device-sends.js";
import { silentLogger, type Logger } from "../lib/log.js";
import { tryJoinersOut, tryPlanLock } from "./plan-lock.js";
import { PHASE_ORDER, phaseOrderSql, readCursor, writeCursor, type PlanCursor } from "./plan-cursor.js";

const firstLane = FIRST_LANE_AUDIENCES as readonly string[];

/** Whether a version is planned after its issuing transaction: a Cancel (its all-clear and
 * loudspeaker stops), or a public on a person channel (its targets, then the people who
 * must act, county by county, before the public: plan-cursor.ts). A version for officials
 * alone, or for devices alone, is small and planned whole in its issuing transaction. */
export const plansProgressively = (w: Pick<Warning, "msgType" | "channels" | "audiences">) =>
  w.msgType === "Cancel" ||
  (channelsOf(w).personChannels.length > 0 && w.audiences.some((a) => !firstLane.includes(a)));

export interface ChunkResult {
  warningId: string;
  /** The county planned; null for the targets and devices steps, and when the warning had
   * none left (now `planned`) or stopped. */
  county: string | null;
  /** The warning's plan is finished (planned or stopped). */
  finished: boolean;
  deliveries: number;
  /** The version left force before its plan finished: its remaining counties are dropped. */
  stopped?: true;
  /** Which pass the county was planned in: the people who must act, or the public. */
  phase?: PlanCursor["phase"];
  /** Nothing planned: the step writes people or devices, and a late joiner is under way
   * (plan-lock.ts tryJoinersOut). Planning resumes once it commits. */
  joinerWaiting?: true;
  /** The devices step's reserved commands, for PlanOptions.onDeviceCommands once committed. */
  handOff?: { commands: DeviceCommandRow[]; warning: Warning };
}

/** Every warning's targets, then the people who must act of every warning, then its
 * devices, before any warning's public (a second red warning's officers do not wait for the first one's
 * million residents), then red before yellow, then the oldest: a red warning issued while
 * a yellow one plans waits for one county of it, not for all of it. */
const levelOrder = sql.raw(
  `case level ${Object.entries(LEVEL_RANK)
    .map(([l, r]) => `when '${l}' then ${r}`)
    .join(" ")} end`,
);

/** How long a person who must act, queued and due, holds every warning's public pass
 * (`holdPublic`): the public's million rows are written on the same cores that send the
 * officers' messages, and measured through the public API the 7,371 posts of a city went
 * at ~500/s while the public was being planned. Bounded, so a slow channel (an SMTP relay)
 * delays the public by this much at most. */
export const PUBLIC_HOLD_MS = 5_000;

/** A warning's public is held at most this long after its issue, however many other
 * warnings' officers keep queueing meanwhile (each new row would hold PUBLIC_HOLD_MS
 * afresh): the people who must act go first, but a stream of them never starves a public. */
export const PUBLIC_HOLD_MAX_MS = 3 * PUBLIC_HOLD_MS;

export interface PlanOptions {
  /** Take no public step while a person who must act has a message queued and due that
   * was queued less than PUBLIC_HOLD_MS ago (the runners do; a job catching up does not). */
  holdPublic?: boolean;
  /** A device hub in this process takes the devices step's commands once it has committed
   * (the server's dispatch thread hands them to the main thread's hub): the step reserves
   * them and the hub writes their rows (deliveries/device-sends.ts), as an approve's. */
  onDeviceCommands?: (commands: DeviceCommandRow[], warning: Warning) => void;
  /** Where a failed hand-off of those commands is said. */
  log?: Logger;
}

/** Whether a person who must act still waits for their first message of a warning, queued
 * less than PUBLIC_HOLD_MS ago. Their first: once one of their rows of the warning is on its
 * way (an SMS), the rest (an email) go ahead of the public by the claims' order alone; the
 * hold waiting for every channel kept a city's public SMS back ~4 s for the posts' emails,
 * long after every post had its SMS. An all-clear (a Cancel's) is not a message to act on: a
 * village's cancel during a city's fan-out held the city's public pass seconds longer for
 * its three officers. */
const firstLaneWaiting = (now: Date) => sql`exists (
  select 1 from deliveries d
  where d.status = 'queued' and ${CLAIMABLE} and d.priority = ${DISPATCH_PRIORITY.responsible}
    and d.next_attempt_at <= ${now.toISOString()}::timestamptz
    and d.queued_at > ${new Date(now.getTime() - PUBLIC_HOLD_MS).toISOString()}::timestamptz
    and not exists (select 1 from warnings c where c.id = d.warning_id and c.msg_type = 'Cancel')
    and (d.recipient_id is null or not exists (
      select 1 from deliveries s
      where s.warning_id = d.warning_id and s.recipient_id = d.recipient_id
        and s.issued_at = d.issued_at and s.lane = d.lane
        and s.status in ('sending', 'sent', 'delivered', 'acknowledged'))))`;

/** Plans the next step of the most urgent pending warning no other planner holds, and
 * whose step waits for no late joiner (then the next one's: a roster imported in one
 * county holds up no other county's officers). */
export async function planNextChunk(db: Db, now: Date, o: PlanOptions = {}): Promise<ChunkResult | null> {
  const r = await db.transaction(async (tx) => {
    const held = o.holdPublic
      ? sql`and (${phaseOrderSql} < ${PHASE_ORDER.public}
          or ${warnings.issuedAt} <= ${new Date(now.getTime() - PUBLIC_HOLD_MAX_MS).toISOString()}::timestamptz
          or not ${firstLaneWaiting(now)})`
      : sql``;
    const candidates = await tx
      .select({ id: warnings.id })
      .from(warnings)
      .where(sql`${warnings.planState} = 'pending' ${held}`)
      .orderBy(phaseOrderSql, levelOrder, warnings.issuedAt)
      .limit(CANDIDATES);
    let waiting: ChunkResult | null = null;
    for (const { id } of candidates) {
      const w = await lockPending(tx, id);
      if (!w) continue;
      if (!inForce(w, now)) return stop(tx, w);
      const r = await planStep(tx, w, now, o);
      if (!r.joinerWaiting) return r;
      // Nothing of it written. Its plan lock stays held to this commit: a joiner waiting
      // for its step (awaitPlanSteps) waits for this step too, never the other way round.
      waiting ??= r;
    }
    return waiting;
  });
  // Committed: the reserved commands go to the hub, as an approve's do.
  if (r?.handOff) await handToHub(db, o.onDeviceCommands, r.handOff.commands, r.handOff.warning, o.log ?? silentLogger);
  return r;
}

/** The step `w`'s cursor stands at, or nothing (joinerWaiting) when it writes people or
 * devices and a late joiner is under way in its counties (plan-lock.ts tryJoinersOut). */
async function planStep(tx: Db, w: Warning, now: Date, o: PlanOptions): Promise<ChunkResult> {
  const cursor = readCursor(w);
  const joinerWaiting: ChunkResult = {
    warningId: w.id,
    county: null,
    finished: false,
    deliveries: 0,
    joinerWaiting: true,
  };
  const moveTo = (c: PlanCursor) =>
    tx
      .update(warnings)
      .set({ planCursor: writeCursor(c) })
      .where(eq(warnings.id, w.id));
  if (cursor.phase === "targets") {
    const plan = await planDeliveries(tx, w, now);
    await moveTo({ phase: w.msgType === "Cancel" ? "public" : "first-lane", after: "" });
    // Platforms (and a Cancel's stops) wait on this notice; its lanes are the villages'.
    if (plan.deliveries > 0) await notifyDeliveries(tx, w.id, { lanes: plan.lanes });
    return { warningId: w.id, county: null, finished: false, deliveries: plan.deliveries, phase: "targets" };
  }
  if (cursor.phase === "devices") {
    // The warning's counties: the joiners' locks it asks for, and the lanes its notice names.
    const lanes = await warningLanes(tx, w.id);
    if (!(await tryJoinersOut(tx, lanes))) return joinerWaiting;
    if (o.onDeviceCommands) {
      // Reserved, not written: the hub in this process writes their rows (no notice: no
      // hub has rows to read until it writes them, and it announces the queued ones).
      const commands = await reserveDevices(tx, w, now);
      await moveTo({ phase: "public", after: "" });
      return {
        warningId: w.id,
        county: null,
        finished: false,
        deliveries: commands.length,
        phase: "devices",
        ...(commands.length > 0 ? { handOff: { commands, warning: w } } : {}),
      };
    }
    const planned = await planDevices(tx, w, now);
    await moveTo({ phase: "public", after: "" });
    if (planned > 0) await notifyDeliveries(tx, w.id, { lanes });
    return { warningId: w.id, county: null, finished: false, deliveries: planned, phase: "devices" };
  }
  const [county = null, following = null] = await nextCounties(tx, w.id, cursor.after);
  if (county === null && cursor.phase === "first-lane") {
    // Everyone who must act is planned (a version without counties): the devices follow.
    await moveTo({ phase: "devices", after: "" });
    return { warningId: w.id, county: null, finished: false, deliveries: 0, phase: "first-lane" };
  }
  if (county === null) {
    await tx.update(warnings).set({ planState: "planned", planCursor: null }).where(eq(warnings.id, w.id));
    return { warningId: w.id, county, finished: true, deliveries: 0 };
  }
  if (cursor.phase === "first-lane" && w.msgType !== "Cancel" && !(await tryJoinersOut(tx, [county])))
    return joinerWaiting;
  const deliveries = await planCountyPeople(tx, w, county, now, cursor.phase);
  // The first pass's last county moves the cursor to the devices' step, so the planners'
  // order (phaseOrderSql) no longer counts this warning among those still planning
  // their officers.
  const done = cursor.phase === "first-lane" && following === null;
  await moveTo(done ? { phase: "devices", after: "" } : { ...cursor, after: county });
  if (deliveries > 0) await notifyDeliveries(tx, w.id, { lanes: [county], peopleOnly: true });
  return { warningId: w.id, county, finished: false, deliveries, phase: cursor.phase };
}

/** Pending warnings a planner looks at per step: the first whose plan lock it gets. */
const CANDIDATES = 8;

/** Warning `id`, its plan lock taken, read after the lock (another planner may have
 * committed a step of it since the list was read); null when another planner holds it, or
 * its plan has ended. */
async function lockPending(tx: Db, id: string): Promise<Warning | null> {
  if (!(await tryPlanLock(tx, id))) return null;
  const [w] = await tx.select().from(warnings).where(sql`${warnings.id} = ${id} and ${warnings.planState} = 'pending'`);
  return w ?? null;
}

async function anyPending(db: Db): Promise<boolean> {
  const [r] = await db.execute<{ any: boolean }>(
    sql`select exists (select 1 from warnings where plan_state = 'pending') as any`,
  );
  return r?.any ?? false;
}

/** The next two counties of the warning after `after`, in code order: the one to plan, and
 * whether another follows it (read in one statement: a step is a round trip shorter). */
async function nextCounties(tx: Db, warningId: string, after: string): Promise<string[]> {
  const rows = await tx.execute<{ county: string }>(sql`
    select distinct left(village_code, 6) as county from coverage_villages
    where warning_id = ${warningId} and left(village_code, 6) > ${after}
    order by 1 limit 2`);
  return rows.map((r) => r.county);
}

/** A superseded, cancelled or expired version reaches no one new: its queued rows expire
 * (deliveries/claims.ts expireEnded) and its unplanned counties are never planned. */
async function stop(tx: Db, w: Warning): Promise<ChunkResult> {
  await tx.update(warnings).set({ planState: "stopped" }).where(eq(warnings.id, w.id));
  await writeAudit(tx, {
    actor: "planner",
    actorKind: "system",
    action: "warning.plan_stopped",
    subjectType: "warning",
    subjectId: w.id,
    before: { planState: w.planState, planCursor: w.planCursor },
    after: { planState: "stopped", status: w.status },
  });
  return { warningId: w.id, county: null, finished: true, deliveries: 0, stopped: true };
}

/** Plans every pending warning to the end (or until `running()` says stop). `held` says
 * planning waits: a public pass for the people who must act (with `holdPublic`), or a step
 * for a late joiner under way; look again shortly. */
export async function continuePlans(
  db: Db,
  now: () => Date,
  running: () => boolean = () => true,
  o: PlanOptions = {},
): Promise<{ chunks: number; deliveries: number; warnings: number; held?: true }> {
  const out: { chunks: number; deliveries: number; warnings: number; held?: true } = {
    chunks: 0,
    deliveries: 0,
    warnings: 0,
  };
  while (running()) {
    const r = await planNextChunk(db, now(), o);
    if (!r) {
      if (o.holdPublic && (await anyPending(db))) out.held = true;
      break;
    }
    if (r.joinerWaiting) {
      out.held = true;
      break;
    }
    if (r.finished) out.warnings++;
    else out.chunks++;
    out.deliveries += r.deliveries;
  }
  return out;
}
