// bench/cursor-plan: a design measurement, not the engine. It measures the design
// docs/scale.md ("A plan that writes no row per person") proposes for the plan goal of
// issue 17: the public's plan records one cursor per county (its counts, an id block) and
// the claim writes each batch's rows itself, already `sending`, from the recipients.
// Against, in the same run: the engine's plan of the same 1M people and a bare COPY of its
// rows into an unindexed table; the engine's lane claim (claimLane) + mark over those rows.
// Both drains use 4 loops, batches of 1,000 and the same mark statement (with the coverage
// counters). Checks that the cursor drain reached every planned person exactly once.
// Prints one line of key=value figures.
import { benchDb, benchWarning, issueBenchWarning, markSent, report, rssMb, seedPeople } from "./lib.js";
import { planNextChunk } from "../src/dispatch/progressive.js";
import { readCursor } from "../src/dispatch/plan-cursor.js";
import { claimLane } from "../src/deliveries/claims.js";

const N = Number(process.env.BENCH_ROWS ?? 1_000_000);
const LOOPS = 4;
const BATCH = 1000;
const step = (what: string) => process.stderr.write(`${new Date().toISOString()} ${what}\n`);
const since = (t: number) => (performance.now() - t) / 1000;
const b = await benchDb();
try {
  step("seeding people");
  await seedPeople(b.db, N);
  await b.sql`analyze`;
  // The cursor's walk: a county's active people in id order.
  let t = performance.now();
  await b.sql`create index recipients_lane_id_idx on recipients (left(village_code, 6), id) where active`;
  const laneIndexS = since(t);
  await b.sql`checkpoint`;

  step("engine plan");
  const w1 = await benchWarning(b.db);
  t = performance.now();
  const planned = (await issueBenchWarning(b.db, w1)).planned;
  const planS = since(t);

  step("bare copy");
  const cols =
    "id, warning_id, issued_at, channel, purpose, recipient_id, village_code, address, language, level_rank, priority, status, attempts, queued_at, next_attempt_at, lane";
  const file = `/tmp/warncast-bench-cursor-${process.pid}.txt`;
  await b.sql.unsafe(`copy (select ${cols} from deliveries where warning_id = '${w1.id}') to '${file}'`);
  await b.sql`create table bare_deliveries as select * from deliveries limit 0`;
  await b.sql`checkpoint`;
  t = performance.now();
  await b.sql.unsafe(`copy bare_deliveries (${cols}) from '${file}'`);
  const bareS = since(t);
  await b.sql.unsafe(`copy (select 1) to program 'rm -f ${file}'`);
  await b.sql`drop table bare_deliveries`;

  // The cursor plan of w2: its targets, posts and devices through the engine, then the
  // public as one cursor per county with its counts and an id block.
  step("cursor plan");
  const w2 = await benchWarning(b.db);
  await issueBenchWarning(b.db, w2, new Date(), { finish: false });
  for (;;) {
    const [c] = await b.sql<{ plan_cursor: string | null; msg_type: "Alert" }[]>`
      select plan_cursor, msg_type from warnings where id = ${w2.id}`;
    if (readCursor({ planCursor: c!.plan_cursor, msgType: c!.msg_type }).phase === "public") break;
    await planNextChunk(b.db, new Date());
  }
  await b.sql`
    create table plan_cursors (warning_id uuid, lane text, base bigint, planned int, taken int not null default 0,
      after_id bigint not null default 0, done boolean not null default false, primary key (warning_id, lane))`;
  await b.sql`checkpoint`;
  t = performance.now();
  await b.sql`
    with counted as (
      select r.village_code, count(*)::int as n from recipients r
      join coverage_villages tv on tv.warning_id = ${w2.id} and tv.village_code = r.village_code
      where r.active and r.audiences && '{public}'::text[] and r.phone is not null
      group by r.village_code
    ),
    counts as (
      insert into coverage_counts as cc (warning_id, village_code, channel, targeted, failed)
      select ${w2.id}, village_code, 'sms', n, 0 from counted
      on conflict (warning_id, village_code, channel) do update set targeted = cc.targeted + excluded.targeted
      returning 1
    ),
    lanes as (select left(village_code, 6) as lane, sum(n)::int as n from counted group by 1),
    ledger as (select l.rows, w.ledger_no from delivery_ledgers l join warnings w on w.id = l.warning_id
               where l.warning_id = ${w2.id} for update of l),
    blocks as (
      insert into plan_cursors (warning_id, lane, base, planned)
      select ${w2.id}, lane, (ledger.ledger_no << 26) + ledger.rows + coalesce(sum(n) over (order by lane) - n, 0), n
      from lanes cross join ledger
      returning planned
    )
    update delivery_ledgers set rows = rows + (select sum(planned) from blocks) where warning_id = ${w2.id}`;
  const cursorPlanS = since(t);

  const mark = (ids: (string | number)[]) => markSent(b.db, ids);

  step("engine claim + mark");
  await b.sql`analyze`;
  await b.sql`checkpoint`;
  const lanes = (
    await b.sql<{ lane: string }[]>`select lane from plan_cursors where warning_id = ${w2.id} order by lane`
  ).map((r) => r.lane);
  let claimed = 0;
  t = performance.now();
  await Promise.all(
    Array.from({ length: LOOPS }, async (_, k) => {
      for (const lane of lanes.filter((_, i) => i % LOOPS === k))
        for (;;) {
          const rows = await claimLane(b.db, {
            channel: "sms",
            lane,
            priority: 1,
            levelRank: 1,
            limit: BATCH,
            owner: `claim-${k}`,
            now: new Date(),
            leaseMs: 60_000,
          });
          if (rows.length === 0) break;
          claimed += rows.length;
          await mark(rows.map((r) => r.id));
        }
    }),
  );
  const claimS = since(t);

  // A batch: the county's next people after the cursor (none who already have a row of this
  // warning: a late joiner planned meanwhile), written `sending` in the county's id block.
  step("materialize + mark");
  const [iw] = await b.sql<{ issued_at: Date }[]>`select issued_at from warnings where id = ${w2.id}`;
  const materialize = (k: number) => b.sql<{ id: string }[]>`
    with cur as (
      select warning_id, lane, base, taken, after_id, planned from plan_cursors
      where warning_id = ${w2.id} and not done order by lane limit 1 for update skip locked
    ),
    nxt as (
      select r.id, r.village_code, r.phone, r.language from cur cross join lateral (
        select r.* from recipients r
        where left(r.village_code, 6) = cur.lane and r.id > cur.after_id and r.active
          and r.audiences && '{public}'::text[] and r.phone is not null
          and exists (select 1 from coverage_villages tv where tv.warning_id = cur.warning_id and tv.village_code = r.village_code)
          -- A scalar subquery, probed per person: as NOT EXISTS the planner anti-joins the
          -- warning's every row and the limit no longer stops the walk.
          and (select 1 from deliveries d where d.warning_id = cur.warning_id and d.recipient_id = r.id and d.channel = 'sms' limit 1) is null
        order by left(r.village_code, 6), r.id
        limit least(${BATCH}, cur.planned - cur.taken)) r
    ),
    ins as (
      insert into deliveries (id, warning_id, issued_at, channel, recipient_id, village_code, address, language,
        level_rank, priority, status, attempts, claimed_at, lease_until, lease_owner, queued_at, next_attempt_at)
      select cur.base + cur.taken + row_number() over (order by nxt.id), cur.warning_id, ${iw!.issued_at}, 'sms', nxt.id,
        nxt.village_code, nxt.phone, nxt.language, 1, 1, 'sending', 1, now(), now() + interval '1 minute', ${`cursor-${k}`},
        now(), now()
      from nxt cross join cur
      returning id
    ),
    advance as (
      update plan_cursors p set after_id = coalesce((select max(id) from nxt), p.after_id),
        taken = p.taken + (select count(*) from nxt),
        done = p.taken + (select count(*) from nxt) >= cur.planned or (select count(*) from nxt) < ${BATCH}
      from cur where p.warning_id = cur.warning_id and p.lane = cur.lane
      returning 1
    )
    select id from ins`;
  let written = 0;
  t = performance.now();
  await Promise.all(
    Array.from({ length: LOOPS }, async (_, k) => {
      // Bounded: every batch but a county's last is full.
      for (let i = 0; i < N / BATCH + 100; i++) {
        const rows = await materialize(k);
        if (rows.length === 0) {
          const [open] = await b.sql<{ n: number }[]>`
            select count(*)::int as n from plan_cursors where warning_id = ${w2.id} and not done`;
          if (open!.n === 0) return;
          continue;
        }
        written += rows.length;
        await mark(rows.map((r) => r.id));
      }
    }),
  );
  const materializeS = since(t);

  const [check] = await b.sql<{ n: number; people: number; sent: number; targeted: number; planned: number }[]>`
    select count(*)::int as n, count(distinct recipient_id)::int as people, count(*) filter (where status = 'sent')::int as sent,
      (select sum(planned)::int from plan_cursors where warning_id = ${w2.id}) as planned,
      (select sum(targeted)::int from coverage_counts where warning_id = ${w2.id}) as targeted
    from deliveries where warning_id = ${w2.id}`;
  if (check!.n !== planned || check!.people !== planned || check!.sent !== planned || check!.targeted !== planned)
    throw new Error(`cursor drain wrote ${JSON.stringify(check)}, the engine planned ${planned}`);

  report("cursor-plan", {
    deliveries: planned,
    lane_index_build_s: laneIndexS.toFixed(2),
    plan_s: planS.toFixed(2),
    bare_copy_s: bareS.toFixed(2),
    ratio_plan_vs_bare_copy: (planS / bareS).toFixed(2),
    cursor_plan_s: cursorPlanS.toFixed(2),
    ratio_cursor_plan_vs_bare_copy: (cursorPlanS / bareS).toFixed(2),
    claim_mark_msgs_per_s: Math.round(claimed / claimS),
    materialize_mark_msgs_per_s: Math.round(written / materializeS),
    ratio_materialize_vs_claim: (claimS / materializeS).toFixed(2),
    plan_and_drain_s: (planS + claimS).toFixed(1),
    cursor_plan_and_drain_s: (cursorPlanS + materializeS).toFixed(1),
    peak_rss_mb: rssMb(),
  });
} finally {
  await b.close();
}
