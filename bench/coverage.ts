// bench/coverage: the coverage report of a 1,000,000-delivery warning (through the real
// HTTP route), against a naive GROUP BY over the deliveries computing the same figures,
// in the same run. Prints one line of key=value figures.
import { sql } from "drizzle-orm";
import {
  benchDb,
  benchWarning,
  percentile,
  report,
  rssMb,
  seedPeople,
  issueBenchWarning,
  benchApp,
  timeRuns,
  setDeliveries,
  writeQueuedRows,
} from "./lib.js";

const N = Number(process.env.BENCH_ROWS ?? 1_000_000);
const RUNS = 20;
const b = await benchDb();
try {
  await seedPeople(b.db, N);
  const w = await benchWarning(b.db);
  await issueBenchWarning(b.db, w);
  await writeQueuedRows(b.db, w.id);
  // Statuses arrive in batches as callbacks would: 90% sent, 80% delivered, the counters
  // kept by the same statements.
  const t0 = performance.now();
  await setDeliveries(b.db, sql`d.warning_id = ${w.id} and d.id % 10 <> 0`, sql`status = 'sent', sent_at = now()`);
  await setDeliveries(
    b.db,
    sql`d.warning_id = ${w.id} and d.id % 10 not in (0, 1)`,
    sql`status = 'delivered', delivered_at = now()`,
  );
  const statusS = (performance.now() - t0) / 1000;
  await b.sql`analyze`;

  const { app, key } = await benchApp(b.db);
  const times = (f: () => Promise<unknown>) => timeRuns(RUNS, f);
  let reached = 0;
  const fast = await times(async () => {
    const r = await app.request(`/api/v1/warnings/${w.id}/coverage?by=village`, {
      headers: { authorization: `Bearer ${key}` },
    });
    reached = ((await r.json()) as { reached: number }).reached;
  });
  let naiveReached = 0;
  const naive = await times(async () => {
    const [r] = await b.db.execute<{ reached: number }>(sql`
      with per as (
        select d.village_code, count(distinct d.recipient_id) filter (where d.delivered_at is not null and d.channel in ('sms', 'email')) as persons,
               count(*) as targeted, count(d.sent_at) as sent, count(d.delivered_at) as delivered, count(d.failed_at) as failed
        from deliveries d where d.warning_id = ${w.id} group by d.village_code)
      select sum(least(a.population, per.persons))::bigint as reached from per join areas a on a.code = per.village_code`);
    naiveReached = Number(r!.reached);
  });
  report("coverage", {
    deliveries: N,
    status_updates_s: statusS.toFixed(2),
    report_p50_ms: Math.round(percentile(fast, 50)),
    report_p99_ms: Math.round(percentile(fast, 99)),
    naive_groupby_p50_ms: Math.round(percentile(naive, 50)),
    naive_groupby_p99_ms: Math.round(percentile(naive, 99)),
    speedup: (percentile(naive, 50) / percentile(fast, 50)).toFixed(1),
    reached,
    naive_reached: naiveReached,
    goal_report_ms: "<=300",
    peak_rss_mb: rssMb(),
  });
} finally {
  await b.close();
}
