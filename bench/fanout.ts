// bench/fanout: plan 1,000,000 deliveries for a city-wide warning (2,457 villages, people
// spread by population) through the real issue path and its county-by-county plan,
// against COPY of the same rows in the same run: into the deliveries table itself (same
// indexes and trigger) and into a bare table with the same columns and nothing else.
// Prints one line of key=value figures.
import { sql } from "drizzle-orm";
import { benchDb, benchWarning, issueBenchWarning, report, rssMb, seedPeople } from "./lib.js";

const N = Number(process.env.BENCH_ROWS ?? 1_000_000);
const step = (what: string) => process.stderr.write(`${new Date().toISOString()} ${what}\n`);
const b = await benchDb();
try {
  const t0 = performance.now();
  step("seeding people");
  const people = await seedPeople(b.db, N);
  const seedS = (performance.now() - t0) / 1000;
  // A quiet server for every timed phase: no autovacuum or checkpoint left over from seeding.
  const settle = async () => {
    await b.sql`analyze`;
    await b.sql`checkpoint`;
  };
  step("settling");
  await settle();
  step("planning");

  const w = await benchWarning(b.db);
  const t1 = performance.now();
  // The issue and every county after it, as one process's planner would write them.
  const plan = await issueBenchWarning(b.db, w);
  const planS = (performance.now() - t1) / 1000;

  // Baselines: the same rows as a COPY file on the server (written once, untimed), read
  // back by COPY into the deliveries table itself and into a bare table with the same
  // columns and nothing else. Server-side files keep client overhead out of the baseline.
  const w2 = await benchWarning(b.db);
  // Ids numbered in w2's block as the planner would number them (the ledger has no sequence).
  const cols =
    "id, warning_id, channel, recipient_id, village_code, address, language, level_rank, status, queued_at, next_attempt_at";
  const file = `/tmp/warncast-bench-copy-${process.pid}.txt`;
  step("copy out");
  await b.sql.unsafe(
    `copy (select (${w2.ledgerNo}::bigint << 26) + row_number() over (), '${w2.id}'::uuid, channel, recipient_id, village_code, address, language, level_rank, status, queued_at, next_attempt_at from deliveries where warning_id = '${w.id}') to '${file}'`,
  );
  const timedCopy = async (table: string) => {
    await settle();
    step(`copy into ${table}`);
    const t = performance.now();
    await b.sql.unsafe(`copy ${table} (${cols}) from '${file}'`);
    return (performance.now() - t) / 1000;
  };
  const copyS = await timedCopy("deliveries");
  const [n2] = await b.db.execute<{ n: number }>(
    sql`select count(*)::int as n from deliveries where warning_id = ${w2.id}`,
  );
  await b.sql`create table bare_deliveries as select * from deliveries limit 0`;
  const bareS = await timedCopy("bare_deliveries");
  await b.sql.unsafe(`copy (select 1) to program 'rm -f ${file}'`);

  report("fanout", {
    people,
    deliveries: plan.planned,
    villages: plan.villages,
    plan_s: planS.toFixed(2),
    plan_rows_per_s: Math.round(plan.planned / planS),
    copy_rows: n2!.n,
    copy_s: copyS.toFixed(2),
    copy_rows_per_s: Math.round(n2!.n / copyS),
    ratio_plan_vs_copy: (planS / copyS).toFixed(2),
    bare_copy_s: bareS.toFixed(2),
    bare_copy_rows_per_s: Math.round(n2!.n / bareS),
    ratio_plan_vs_bare_copy: (planS / bareS).toFixed(2),
    goal_plan_s: "<=4",
    seed_people_s: seedS.toFixed(1),
    peak_rss_mb: rssMb(),
  });
} finally {
  await b.close();
}
