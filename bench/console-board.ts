// bench/console-board: one tick of the console's live board (what /warnings/{id}/live
// sends every second per open board) for a city-wide warning, against the coverage
// report alone (the tick's largest part), in the same run. Prints one line.
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
import { apiCaller } from "../src/console/api.js";
import { loadBoard } from "../src/console/board-data.js";

const N = Number(process.env.BENCH_ROWS ?? 200_000);
const RUNS = 20;
const b = await benchDb();
try {
  await seedPeople(b.db, N);
  const w = await benchWarning(b.db);
  await issueBenchWarning(b.db, w);
  await writeQueuedRows(b.db, w.id);
  await setDeliveries(
    b.db,
    sql`d.warning_id = ${w.id} and d.id % 3 <> 0`,
    sql`status = 'delivered', sent_at = now(), delivered_at = now()`,
  );
  await b.sql`analyze`;

  const { app, key } = await benchApp(b.db);
  const call = apiCaller(app, key, "bench");
  const times = (f: () => Promise<unknown>) => timeRuns(RUNS, f);
  let bytes = 0,
    steadyBytes = 0,
    villages = 0;
  const tick = await times(async () => {
    const d = await loadBoard(call, w.id);
    villages = d!.villages.length;
    bytes = JSON.stringify({ ...d, villages: d!.villages.map((v) => ({ code: v.code, state: v.state })) }).length;
    steadyBytes = JSON.stringify({ ...d, villages: [] }).length; // later events: changed villages only
  });
  const coverage = await times(() => call("GET", `/api/v1/warnings/${w.id}/coverage?by=village`));
  report("console-board", {
    people: N,
    villages,
    tick_p50_ms: Math.round(percentile(tick, 50)),
    tick_p99_ms: Math.round(percentile(tick, 99)),
    coverage_alone_p50_ms: Math.round(percentile(coverage, 50)),
    overhead_ratio: (percentile(tick, 50) / percentile(coverage, 50)).toFixed(2),
    first_event_kb: Math.round(bytes / 1024),
    steady_event_bytes: steadyBytes,
    goal_tick_ms: "<1000",
    peak_rss_mb: rssMb(),
  });
} finally {
  await b.close();
}
