// bench/fanout: plan 1,000,000 deliveries for a city-wide warning (2,457 villages, people
// spread by population) through the real issue path and its county-by-county plan,
// against COPY of the same rows in the same run: into the deliveries table itself (same
// indexes) and into a bare table with the same columns and nothing else. The plan writes
// the public as walks (one row per county: deliveries/walks.ts) and the claim writes their
// rows; that cost is in bench:dispatch's engine figure, against a baseline that claims rows
// written beforehand. The rows copied here are written once, untimed, by a bare INSERT …
// SELECT (writeQueuedRows). Prints one line of key=value figures.
import { sql } from "drizzle-orm";
import { benchDb, benchWarning, issueBenchWarning, report, rssMb, seedPeople, writeQueuedRows } from "./lib.js";

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
  // The issue records the plan's intent; its villages are written by the plan's first step.
  const [v] = await b.db.execute<{ n: number }>(
    sql`select count(*)::int as n from coverage_villages where warning_id = ${w.id}`,
  );
  // The rows the plan stands for, to copy (untimed).
  step("writing the planned rows for the baselines");
  const written = await writeQueuedRows(b.db, w.id);
  if (written !== plan.planned) throw new Error(`${written} rows written for the ${plan.planned} people planned`);

  // Baselines: the same rows as COPY files on the server (written once, untimed), read
  // back by COPY into the deliveries table itself and into a bare table with the same
  // columns and nothing else. Every value the plan wrote is in the file (the bare table
  // has no defaults, and lane is a plain column there, not computed). Server-side files
  // keep client overhead out of the baseline.
  const w2 = await benchWarning(b.db);
  // Ids numbered in w2's block as the planner would number them (the ledger has no sequence).
  const cols =
    "id, warning_id, issued_at, channel, purpose, recipient_id, village_code, address, language, level_rank, priority, status, attempts, queued_at, next_attempt_at";
  const file = (what: string) => `/tmp/warncast-bench-copy-${process.pid}-${what}.txt`;
  step("copy out");
  for (const [what, extra] of [
    ["ledger", ""],
    ["bare", ", lane"],
  ] as const) {
    await b.sql.unsafe(
      `copy (select (${w2.ledgerNo}::bigint << 26) + row_number() over (), '${w2.id}'::uuid, ${cols.split(", ").slice(2).join(", ")}${extra} from deliveries where warning_id = '${w.id}') to '${file(what)}'`,
    );
  }
  const timedCopy = async (table: string, what: "ledger" | "bare", extra: string) => {
    await settle();
    step(`copy into ${table}`);
    const t = performance.now();
    await b.sql.unsafe(`copy ${table} (${cols}${extra}) from '${file(what)}'`);
    return (performance.now() - t) / 1000;
  };
  const copyS = await timedCopy("deliveries", "ledger", "");
  const [n2] = await b.db.execute<{ n: number }>(
    sql`select count(*)::int as n from deliveries where warning_id = ${w2.id}`,
  );
  await b.sql`create table bare_deliveries as select * from deliveries limit 0`;
  const bareS = await timedCopy("bare_deliveries", "bare", ", lane");
  const [same] = await b.db.execute<{ n: number }>(sql`
    select count(*)::int as n from bare_deliveries x join deliveries d on d.id = x.id and d.issued_at = x.issued_at
    where d.lane = x.lane and d.priority = x.priority and d.warning_id = ${w2.id}`);
  if (same!.n !== n2!.n) throw new Error(`bare table holds ${same!.n} of the ${n2!.n} rows as planned`);
  await b.sql.unsafe(`copy (select 1) to program 'rm -f ${file("ledger")} ${file("bare")}'`);

  report("fanout", {
    people,
    deliveries: plan.planned,
    villages: v!.n,
    plan_s: planS.toFixed(2),
    plan_rows_per_s: Math.round(plan.planned / planS),
    copy_rows: n2!.n,
    copy_s: copyS.toFixed(2),
    copy_rows_per_s: Math.round(n2!.n / copyS),
    ratio_plan_vs_copy: (planS / copyS).toFixed(2),
    bare_copy_s: bareS.toFixed(2),
    bare_copy_rows_per_s: Math.round(n2!.n / bareS),
    ratio_plan_vs_bare_copy: (planS / bareS).toFixed(2),
    seed_people_s: seedS.toFixed(1),
    peak_rss_mb: rssMb(),
  });
} finally {
  await b.close();
}
