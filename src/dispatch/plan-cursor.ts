// Where a progressive plan stands (warnings.plan_cursor): first the people who must act,
// county by county, then the public, county by county; a Cancel's all-clear has only the
// second pass. The issuing transaction then writes no people at all, so its size is the
// same for a village and a city, and the first county's officers are sent while the
// other counties' are still being written.
import { sql } from "drizzle-orm";
import type { Warning } from "../db/queries/warnings.js";

export interface PlanCursor {
  phase: "first-lane" | "public";
  /** The last county this phase committed ("" before the first). */
  after: string;
}

const FIRST = "first-lane:";

export function readCursor(w: Pick<Warning, "planCursor" | "msgType">): PlanCursor {
  const c = w.planCursor;
  // A Cancel's all-clear orders its people within each county. A warning for the public
  // alone still makes the first pass: a village cadre is also a member of the public.
  if (w.msgType === "Cancel") return { phase: "public", after: c ?? "" };
  if (c === null) return { phase: "first-lane", after: "" };
  return c.startsWith(FIRST) ? { phase: "first-lane", after: c.slice(FIRST.length) } : { phase: "public", after: c };
}

export const writeCursor = (c: PlanCursor): string => (c.phase === "first-lane" ? FIRST + c.after : c.after);

/** 0 while a warning still plans the people who must act, else 1 (the SQL of readCursor's
 * phase): planners take every warning's first pass before any warning's public. */
export const firstLanePendingSql = sql.raw(
  `case when msg_type <> 'Cancel' and (plan_cursor is null or plan_cursor like '${FIRST}%') then 0 else 1 end`,
);
