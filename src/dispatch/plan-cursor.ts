// Where a progressive plan stands (warnings.plan_cursor): first its targets (the villages,
// the coverage denominator; county platforms), then the people who must act, county by
// county, then the loudspeakers and displays, then the public, county by county. A Cancel
// has its targets (with its loudspeaker stops) and its all-clear only. The issuing transaction writes none of it, only the intent ('targets'), so a
// village's approve and a city's cost the same, and a planner that dies mid-way resumes
// at the step it had not committed.
import { sql } from "drizzle-orm";
import type { Warning } from "../db/queries/warnings.js";

export interface PlanCursor {
  phase: "targets" | "first-lane" | "devices" | "public";
  /** The last county this phase committed ("" before the first; always "" for targets). */
  after: string;
}

const FIRST = "first-lane:";
/** Written by the issue: nothing planned yet. (A null cursor is the first pass's start,
 * as versions issued before this step existed left it: their targets are planned.) */
export const TARGETS = "targets";
/** The people who must act are planned: the devices' step is next. */
export const DEVICES = "devices";

export function readCursor(w: Pick<Warning, "planCursor" | "msgType">): PlanCursor {
  const c = w.planCursor;
  if (c === TARGETS) return { phase: "targets", after: "" };
  if (c === DEVICES) return { phase: "devices", after: "" };
  // A Cancel's all-clear orders its people within each county. A warning for the public
  // alone still makes the first pass: a village cadre is also a member of the public.
  if (w.msgType === "Cancel") return { phase: "public", after: c ?? "" };
  if (c === null) return { phase: "first-lane", after: "" };
  return c.startsWith(FIRST) ? { phase: "first-lane", after: c.slice(FIRST.length) } : { phase: "public", after: c };
}

export const writeCursor = (c: PlanCursor): string =>
  c.phase === "targets"
    ? TARGETS
    : c.phase === "devices"
      ? DEVICES
      : c.phase === "first-lane"
        ? FIRST + c.after
        : c.after;

/** The phase's order (the SQL of readCursor): planners take every warning's targets, then
 * every warning's first pass, then its devices, before any warning's public. */
export const PHASE_ORDER = { targets: 0, "first-lane": 1, devices: 2, public: 3 } as const satisfies Record<
  PlanCursor["phase"],
  number
>;
export const phaseOrderSql = sql.raw(
  `case when plan_cursor = '${TARGETS}' then ${PHASE_ORDER.targets}
        when msg_type <> 'Cancel' and (plan_cursor is null or plan_cursor like '${FIRST}%') then ${PHASE_ORDER["first-lane"]}
        when plan_cursor = '${DEVICES}' then ${PHASE_ORDER.devices} else ${PHASE_ORDER.public} end`,
);
