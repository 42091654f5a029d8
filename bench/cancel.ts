// bench/cancel: the cancel request's latency through the public API for a one-village
// warning and a city-wide one over BENCH_ROWS people (every SMS marked sent, so the
// all-clear reaches everyone), and how long the city's all-clear then takes to be planned
// in the background, county by county; and the cancel of a city whose public is still
// being planned (a county statement under way). Prints one line of key=value figures.
import { sql } from "drizzle-orm";
import {
  benchApp,
  benchDb,
  benchWarning,
  issueBenchWarning,
  report,
  rssMb,
  seedPeople,
  setDeliveries,
  writeQueuedRows,
} from "./lib.js";
import { insertUser } from "../src/db/queries/users.js";
import { sha256Hex } from "../src/lib/crypto.js";
import { continuePlans } from "../src/dispatch/progressive.js";

const N = Number(process.env.BENCH_ROWS ?? 200_000);
const b = await benchDb();
try {
  await seedPeople(b.db, N);
  const { app } = await benchApp(b.db);
  const key = `wck_bench_${Math.random().toString(36).slice(2)}`;
  await insertUser(b.db, { name: "duty", role: "admin", areaScope: "150400000000", keyHash: await sha256Hex(key) });
  const [v] = await b.db.execute<{ code: string }>(
    sql`select code from areas where kind = 'village' and code like '1504%' order by code limit 1`,
  );
  const sentWarning = async (areaCodes: string[]) => {
    const w = await benchWarning(b.db, { areaCodes });
    await issueBenchWarning(b.db, w);
    await writeQueuedRows(b.db, w.id);
    await setDeliveries(b.db, sql`d.warning_id = ${w.id}`, sql`status = 'sent', sent_at = now()`);
    await b.sql`analyze deliveries`;
    await b.sql`checkpoint`;
    return w;
  };
  const cancel = async (id: string) => {
    const t = performance.now();
    const r = await app.request(`/api/v1/warnings/${id}/cancel`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ reason: "险情解除" }),
    });
    if (r.status !== 201) throw new Error(`cancel: ${r.status} ${await r.text()}`);
    const ms = performance.now() - t;
    return { ms, cancel: (await r.json()) as { id: string } };
  };
  const village = await cancel((await sentWarning([v!.code])).id);
  await continuePlans(b.db, () => new Date());
  // A city cancelled while its public is being planned: the cancel as soon as the first
  // public county has committed, the planner then writing the next one.
  const planning = await benchWarning(b.db);
  await issueBenchWarning(b.db, planning, new Date(), { finish: false });
  const planner = continuePlans(b.db, () => new Date());
  for (let polls = 0; ; polls++) {
    const [c] = await b.db.execute<{ cursor: string | null }>(
      sql`select plan_cursor as cursor from warnings where id = ${planning.id}`,
    );
    if (c?.cursor && /^\d{6}$/.test(c.cursor)) break;
    if (polls > 60_000) throw new Error("the city's public plan never started");
    await new Promise((r) => setTimeout(r, 2));
  }
  const duringPlan = await cancel(planning.id);
  await planner;
  await continuePlans(b.db, () => new Date());

  const cityWarning = await sentWarning(["150400000000"]);
  const city = await cancel(cityWarning.id);
  const [early] = await b.db.execute<{ n: number }>(
    sql`select count(*)::int as n from deliveries where warning_id = ${city.cancel.id} and channel = 'sms'`,
  );
  const t = performance.now();
  const planned = await continuePlans(b.db, () => new Date());
  const planS = (performance.now() - t) / 1000;
  report("cancel", {
    people: N,
    cancel_ms_village: Math.round(village.ms),
    cancel_ms_city: Math.round(city.ms),
    ratio_cancel_city_vs_village: (city.ms / village.ms).toFixed(2),
    goal_ratio: "<=2",
    cancel_ms_city_planning: Math.round(duringPlan.ms),
    ratio_cancel_city_planning_vs_village: (duringPlan.ms / village.ms).toFixed(2),
    all_clear_rows_at_response: early!.n,
    all_clear_rows: planned.deliveries,
    all_clear_counties: planned.chunks,
    all_clear_plan_s: planS.toFixed(2),
    peak_rss_mb: rssMb(),
  });
} finally {
  await b.close();
}
