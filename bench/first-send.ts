// bench/first-send: a red warning approved through the real API route, for one village and
// for the whole city (BENCH_ROWS public people spread over Chifeng's 2,457 villages, plus 3
// posts per village who must act), with real DispatchRunner loops on a no-op SMS channel
// paced like a gateway (5,000/s). From the approve request's start: its latency, the first
// send, the first public send, every responsible person's message sent, and the plan
// finished. The same city-wide posts with no public at all are the fair baseline for
// "whatever the public backlog": the gateway's pace alone bounds 7,371 messages.
// Prints one line of key=value figures.
import { sql } from "drizzle-orm";
import {
  unsent,
  benchApp,
  benchDb,
  benchRenderer,
  benchWarning,
  noopSms,
  report,
  rssMb,
  seedPeople,
  seedPosts,
} from "./lib.js";
import { DispatchRunner } from "../src/dispatch/runner.js";
import { insertUser } from "../src/db/queries/users.js";
import { sha256Hex } from "../src/lib/crypto.js";
import { silentLogger } from "../src/lib/log.js";

const N = Number(process.env.BENCH_ROWS ?? 200_000);
const PACE = 5_000;
const CITY = "150400000000";
const POSTS = ["info_officer", "grid_worker", "village_cadre"];
const b = await benchDb();
const tick = () => new Promise((r) => setTimeout(r, 5));

const one = async <T>(q: ReturnType<typeof sql>) => (await b.db.execute<T & Record<string, unknown>>(q))[0]!;

/** Approve → the figures above, each in ms from the request's start (sent_at is stamped by
 * the runner's own clock, so no polling delay is in them). */
async function approveAndSend(
  app: Awaited<ReturnType<typeof benchApp>>["app"],
  key: string,
  areaCodes: string[],
  audiences: string[],
) {
  const w = await benchWarning(b.db, { areaCodes, audiences, status: "pending", submittedAt: new Date() });
  const t0 = Date.now();
  const r = await app.request(`/api/v1/warnings/${w.id}/approve`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}` },
  });
  const approveMs = Date.now() - t0;
  if (r.status !== 200) throw new Error(`approve: ${r.status} ${await r.text()}`);
  const hasPublic = audiences.includes("public");
  // Wait on state: every responsible message sent, a public one sent, the plan written.
  for (;;) {
    const s = await one<{ open: number; pub: boolean; pending: boolean }>(sql`
      select (select count(*)::int from deliveries where warning_id = ${w.id} and priority = 0
                and sent_at is null and status <> 'failed') as open,
             exists (select 1 from deliveries where warning_id = ${w.id} and priority = 1 and sent_at is not null) as pub,
             (select plan_state = 'pending' from warnings where id = ${w.id}) as pending`);
    if (s.open === 0 && (s.pub || !hasPublic) && !s.pending) break;
    await tick();
  }
  const f = await one<{
    first: number;
    first_public: number | null;
    responsible: number;
    responsible_queued: number;
    posts: number;
    before: number;
  }>(sql`
    with d as (select priority, sent_at, queued_at from deliveries where warning_id = ${w.id}),
    last as (select max(sent_at) as at from d where priority = 0)
    select extract(epoch from min(sent_at))::float8 * 1000 as first,
           extract(epoch from max(queued_at) filter (where priority = 0))::float8 * 1000 as responsible_queued,
           extract(epoch from min(sent_at) filter (where priority = 1))::float8 * 1000 as first_public,
           extract(epoch from (select at from last))::float8 * 1000 as responsible,
           count(*) filter (where priority = 0)::int as posts,
           count(*) filter (where priority = 1 and sent_at < (select at from last))::int as before
    from d`);
  const planDone = await one<{ at: number }>(sql`
    select extract(epoch from max(queued_at))::float8 * 1000 as at from deliveries where warning_id = ${w.id}`);
  return {
    id: w.id,
    approveMs,
    firstSendMs: f.first - t0,
    firstPublicMs: f.first_public === null ? null : f.first_public - t0,
    responsibleMs: f.responsible - t0,
    responsibleQueuedMs: f.responsible_queued - t0,
    posts: f.posts,
    publicBefore: f.before,
    lastPlannedMs: planDone.at - t0,
  };
}

const drained = async (id: string) => {
  while ((await unsent(b.db, id)) > 0) await tick();
};

try {
  await seedPeople(b.db, N);
  await seedPosts(b.db);
  await b.sql`analyze`;
  await b.sql`checkpoint`;
  const { app } = await benchApp(b.db);
  const key = `wck_bench_${Math.random().toString(36).slice(2)}`;
  await insertUser(b.db, { name: "approver", role: "approver", areaScope: CITY, keyHash: await sha256Hex(key) });
  const [v] = await b.db.execute<{ code: string }>(
    sql`select code from areas where kind = 'village' and code like '1504%' order by code limit 1`,
  );
  const runner = new DispatchRunner({
    db: b.db,
    sql: b.sql,
    channels: [noopSms(PACE)],
    renderer: benchRenderer,
    log: silentLogger,
    loopsPerChannel: 2,
  });
  await runner.start();
  const village = await approveAndSend(app, key, [v!.code], ["public", ...POSTS]);
  await drained(village.id);
  const alone = await approveAndSend(app, key, [CITY], POSTS);
  await drained(alone.id);
  const city = await approveAndSend(app, key, [CITY], ["public", ...POSTS]);
  await runner.stop();
  // Its rows so far and the people its walks have not written yet.
  const [total] = await b.db.execute<{ n: number }>(
    sql`select (select count(*) from deliveries where warning_id = ${city.id})::int
      + (select coalesce(sum(pending), 0) from coverage_counts where warning_id = ${city.id})::int as n`,
  );
  const ms = (x: number | null) => (x === null ? "na" : Math.round(x));
  report("first-send", {
    public_people: N,
    city_deliveries: total!.n,
    responsible_village: village.posts,
    responsible_city: city.posts,
    sms_pace_per_s: PACE,
    approve_ms_village: ms(village.approveMs),
    approve_ms_city: ms(city.approveMs),
    ratio_approve_city_vs_village: (city.approveMs / village.approveMs).toFixed(2),
    first_send_ms_village: ms(village.firstSendMs),
    first_send_ms_city: ms(city.firstSendMs),
    ratio_first_send_city_vs_village: (city.firstSendMs / village.firstSendMs).toFixed(2),
    first_public_send_ms_village: ms(village.firstPublicMs),
    first_public_send_ms_city: ms(city.firstPublicMs),
    last_planned_ms_city: ms(city.lastPlannedMs),
    responsible_all_sent_ms_village: ms(village.responsibleMs),
    responsible_all_sent_ms_city: ms(city.responsibleMs),
    responsible_all_queued_ms_city: ms(city.responsibleQueuedMs),
    ratio_responsible_city_vs_village: (city.responsibleMs / village.responsibleMs).toFixed(2),
    responsible_all_sent_ms_city_no_public: ms(alone.responsibleMs),
    ratio_responsible_city_vs_city_no_public: (city.responsibleMs / alone.responsibleMs).toFixed(2),
    public_sent_before_last_responsible_city: city.publicBefore,
    goal_ratio: "<=2",
    peak_rss_mb: rssMb(),
  });
} finally {
  await b.close();
}
