// Issuing a warning version: one transaction marks it issued, retires the version it
// supersedes and wakes the dispatchers. A version with a public (or a Cancel) records only
// its plan's intent here (plan_state 'pending', cursor 'targets'): the dispatchers' planner
// writes its villages and platforms, the people who must act, its devices, then the public,
// each step committed (dispatch/progressive.ts), so the request costs the same for a
// village and a city. A small version (officials alone, devices alone) is planned whole here.
import { sql } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { updateWarning, type NewWarning, type Warning } from "../db/queries/warnings.js";
import { writeAudit, type AuditEntry } from "../db/queries/audit.js";
import { planDeliveries, type PlanResult } from "../dispatch/planner.js";
import { notifyDeliveries } from "../dispatch/notify.js";
import { plansProgressively } from "../dispatch/progressive.js";
import { TARGETS } from "../dispatch/plan-cursor.js";
import { assertTransition, fromStatesSql, TRANSITIONS } from "./lifecycle.js";
import { startLedger } from "../deliveries/ledger-ids.js";
import { holdJoinersOut } from "../dispatch/plan-lock.js";

const intentOnly: PlanResult = {
  commands: [],
  villages: 0,
  deliveries: 0,
  pending: true,
  noAddress: 0,
  villagesWithoutCentroid: 0,
  lanes: [],
};

export async function issueWarning(
  tx: Db,
  w: Warning,
  opts: {
    now: Date;
    actor: string;
    actorKind?: "user" | "system";
    requestId?: string | undefined;
    /** The caller's own audit entries, written in the same statement as the issue's. */
    audits?: AuditEntry[];
    /** Columns the caller would have set just before (its approval), set in the same update:
     * each statement of an approve or a cancel is a round trip that, during a fan-out, waits
     * for a CPU. */
    set?: Partial<NewWarning>;
    /** A device hub in this process takes the commands (Services.onDeviceCommands): the
     * plan reserves them, and the hub writes their rows (planner.ts planDeliveries). */
    deferDevices?: boolean;
  },
): Promise<{ warning: Warning; plan: PlanResult }> {
  assertTransition("issue", w.status, w.id);
  const progressive = plansProgressively(w);
  // Planned whole here: a person or device registered meanwhile in a county it targets
  // waits for this commit, or this plan waits for theirs and reads them (plan-lock.ts
  // holdJoinersOut). Taken before the previous version's row is locked below: a joiner may
  // be waiting for that version's planner, which waits for its row.
  if (!progressive) await holdJoinersOut(tx, w.areaCodes);
  // Statements that do not need each other's answers are sent together (postgres.js
  // pipelines them on the transaction's connection; the first to fail fails the rest):
  // during a fan-out each round trip of an approve or a cancel waits for a CPU, and these
  // were five in a row. The audit goes with them (the superseded version's entry written by
  // the statement that ends it, from the status it had), and so does a pending plan's
  // notice: a city's cancel, taken while the city is sending, is one round trip shorter.
  const who = {
    actor: opts.actor,
    actorKind: opts.actorKind ?? "user",
    subjectType: "warning",
    requestId: opts.requestId,
  } as const;
  const audits: AuditEntry[] = [
    ...(opts.audits ?? []),
    {
      ...who,
      action: "warning.issue",
      subjectId: w.id,
      before: { status: w.status },
      after: { status: TRANSITIONS.issue.to },
    },
  ];
  const supersede = async () => {
    if (!w.supersedesId) return;
    const ended = w.msgType === "Cancel" ? TRANSITIONS.cancel.to : TRANSITIONS.supersede.to;
    const action = ended === "cancelled" ? "warning.cancelled" : "warning.superseded";
    await tx.execute(sql`
      with prev as (
        update warnings set status = ${ended}, ended_at = ${opts.now.toISOString()}, updated_at = now()
        where thread_id = ${w.threadId} and id <> ${w.id} and status in ${fromStatesSql("supersede")}
        returning id, (select status from warnings o where o.id = warnings.id) as status
      )
      insert into audit_log (actor, actor_kind, action, subject_type, subject_id, before, after, request_id)
      select ${who.actor}, ${who.actorKind}, ${action}, ${who.subjectType}, prev.id::text,
        jsonb_build_object('status', prev.status), jsonb_build_object('status', ${ended}::text), ${who.requestId ?? null}
      from prev`);
  };
  const [issued] = await Promise.all([
    updateWarning(tx, w.id, {
      ...opts.set,
      status: TRANSITIONS.issue.to,
      issuedAt: opts.now,
      planState: progressive ? "pending" : "planned",
      planCursor: progressive ? TARGETS : null,
    }),
    startLedger(tx, w.id),
    writeAudit(tx, audits),
    supersede(),
    // A pending plan has no rows yet: the notice wakes the planners, not the device hubs.
    progressive ? notifyDeliveries(tx, w.id, { peopleOnly: true }) : undefined,
  ]);
  const plan = progressive
    ? intentOnly
    : await planDeliveries(tx, issued, opts.now, { deferDevices: opts.deferDevices ?? false });
  // Reserved device commands have no rows for a hub to read: their hub writes them.
  if (!progressive) await notifyDeliveries(tx, w.id, { lanes: plan.lanes, peopleOnly: plan.devicesDeferred === true });
  return { warning: issued, plan };
}
