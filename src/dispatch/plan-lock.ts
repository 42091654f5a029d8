// Who may plan a warning, and who waits for the step under way: a transaction-scoped
// advisory lock per warning, not the warning's row. A planner held the row FOR UPDATE
// while it wrote a county (up to 175,000 rows, about a second at 1M people), and a cancel
// or an update, which must change that row, waited for the county: the cancel of a city
// just issued took as long as its largest county. Now the row is touched only by the
// step's last statement (its cursor), a moment before the commit.
//
// A planner takes the lock exclusively and never waits for it (another planner has that
// warning: take the next); a late joiner takes it shared and waits, so it reads the cursor
// only once the county under way has committed (planner.ts planLateJoiners). Shared holders
// never wait for each other, and a planner never waits, so these locks cannot deadlock.
// The statements name no table: under Citus they run on the coordinator, where every
// planner and joiner takes them.
import { sql } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { lanesUnder } from "../db/queries/areas.js";

/** The lock's class (the first key of the two-key form): the letters "plan". */
const PLAN_LOCK = 0x706c616e;

const key = (id: string) => sql`${PLAN_LOCK}::int, hashtext(${id}::text)`;

/** Takes warning `id`'s plan lock until the transaction ends, if no one holds it. */
export async function tryPlanLock(tx: Db, id: string): Promise<boolean> {
  const [r] = await tx.execute<{ ok: boolean }>(sql`select pg_try_advisory_xact_lock(${key(id)}) as ok`);
  return r?.ok === true;
}

/** Waits for the plan steps under way on these warnings (held shared until the
 * transaction ends: no step of theirs starts meanwhile). */
export async function awaitPlanSteps(tx: Db, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await tx.execute(sql`
    select pg_advisory_xact_lock_shared(${PLAN_LOCK}::int, hashtext(id::text))
    from unnest(${sql.param(ids)}::uuid[]) id order by id`);
}

/** The joiners' locks' class (the first key of the two-key form): the letters "join". The
 * second key is a county (its 6-digit code), the lane a joiner's rows land in. */
const JOIN_LOCK = 0x6a6f696e;

/** `fn` over the counties `lanes`, one lock each, in code order: every holder of several
 * takes them in the same order, so joiners (which wait for each other) cannot deadlock. */
const eachCounty = (fn: string, lanes: string[]) => sql`
    select ${sql.raw(fn)}(${JOIN_LOCK}::int, c) as ok
    from (select distinct c from unnest(${sql.param(lanes)}::int[]) c order by c) k`;

/**
 * A version planned whole inside its issuing transaction (officials alone, devices alone)
 * is invisible to a late joiner until that transaction commits, and the plan's statements
 * may have read the people and devices before the joiner committed: each side would leave
 * the joiner to the other. So such an issue holds the joiners' lock of each county it
 * targets, shared, from before its plan reads anyone until it commits, and a late joiner
 * takes its own counties' exclusively before it looks for warnings in force: it waits for
 * the issues under way there (then sees them, and plans itself into them), or an issue
 * starting after it waits for its commit (then reads it). Issues never wait for each other;
 * joiners in the same county (a registration, an import) wait for each other. A joiner
 * holds its counties until it commits (an issue starting after its read must see it), so
 * a small issue there waits for its late-joiner rows: milliseconds for a registration,
 * seconds for a county's roster of a hundred thousand while a warning is in force there
 * (an import with no warning in force never takes them). Per county, so an import in one
 * county holds up no issue in another. A progressive plan is visible from its issue on; a
 * joiner waits for its step under way (awaitPlanSteps), and its steps that write people or
 * devices do not start while a joiner holds their county (tryJoinersOut): a version issued
 * after the joiner looked is planned after it commits.
 *
 * Lock order: a transaction that may issue such a version takes these before it locks an
 * issued version's row (issueWarning before superseding the previous version; an update
 * or an imported Update before locking the version it supersedes), for the counties of
 * the version it issues (`areaCodes`). A joiner holding one may wait for a planner step of
 * that version, and the step, at its end, for that version's row: an issuer holding the
 * row while waiting here would close the circle.
 */
export async function holdJoinersOut(tx: Db, areaCodes: string[]): Promise<void> {
  const lanes = await lanesUnder(tx, areaCodes);
  if (lanes.length > 0) await tx.execute(eachCounty("pg_advisory_xact_lock_shared", lanes));
}

/**
 * A progressive plan's step that writes people or devices (a first-lane county, the devices
 * step's counties) asks for those counties' joiners' locks shared too, but without waiting:
 * it already holds the warning's plan lock, which a joiner holding one may be waiting for.
 * When a joiner holds any, the step is not taken now (progressive.ts): the joiner may have
 * looked for warnings in force before this version was issued, and this step's snapshot may
 * not show the joiner; after the joiner commits, the step reads them.
 */
export async function tryJoinersOut(tx: Db, lanes: string[]): Promise<boolean> {
  if (lanes.length === 0) return true;
  const got = await tx.execute<{ ok: boolean }>(eachCounty("pg_try_advisory_xact_lock_shared", lanes));
  return got.every((r) => r.ok);
}

/** A late joiner's first step (planner.ts planLateJoiners), for the counties its people
 * and devices are in: see holdJoinersOut. */
export async function awaitIssuesPlanning(tx: Db, lanes: string[]): Promise<void> {
  if (lanes.length > 0) await tx.execute(eachCounty("pg_advisory_xact_lock", lanes));
}
