// bench/lanes: how soon every responsible person's message is sent (info officers, grid
// workers, village cadres: 3 per village) when a red warning reaches one village, against
// the same warning city-wide over a public backlog of BENCH_ROWS people, through the real
// issue path and dispatcher loops on a no-op SMS channel paced like a gateway (5,000/s).
// The same responsible messages city-wide with no public at all are the fair baseline for
// "whatever the public backlog": the gateway's pace alone bounds 7,371 messages.
// Prints one line of key=value figures.
import { sql } from "drizzle-orm";
import { benchDb, benchWarning, issueBenchWarning, report, rssMb, seedPeople } from "./lib.js";
import { DispatchRunner } from "../src/dispatch/runner.js";
import type { Channel } from "../channels/contract.js";
import { silentLogger } from "../src/lib/log.js";

const N = Number(process.env.BENCH_ROWS ?? 200_000);
const PACE = 5_000;
const EVERYONE = ["public", "info_officer", "grid_worker", "village_cadre"];
const b = await benchDb();

const noop: Channel = {
  kind: "sms",
  pace: { ratePerSecond: PACE, concurrency: 1000 },
  send: async (m) => ({ providerId: `noop-${m.deliveryId}`, status: "sent" }),
};
const renderer = { render: () => ({ text: "bench", language: "zh" as const }) };

const count = async (warningId: string, where: ReturnType<typeof sql>) => {
  const [r] = await b.db.execute<{ n: number }>(
    sql`select count(*)::int as n from deliveries where warning_id = ${warningId} and ${where}`,
  );
  return r!.n;
};

/** Issue → every responsible delivery sent, in ms; and how many public ones went first. */
async function responsibleFirstSend(areaCodes: string[], audiences = EVERYONE) {
  const w = await benchWarning(b.db, { areaCodes, audiences });
  const t = performance.now();
  await issueBenchWarning(b.db, w);
  const issueMs = performance.now() - t;
  for (;;) {
    if ((await count(w.id, sql`priority = 0 and sent_at is null and status <> 'failed'`)) === 0) break;
    await new Promise((res) => setTimeout(res, 5));
  }
  const ms = performance.now() - t;
  return {
    ms,
    issueMs,
    responsible: await count(w.id, sql`priority = 0`),
    publicBefore: await count(w.id, sql`priority = 1 and sent_at is not null`),
    w,
  };
}

try {
  await seedPeople(b.db, N);
  await b.db.execute(sql`
    insert into recipients (name, phone, area_code, village_code, audiences, language, role, synthetic, dedupe_key)
    select 'r', '+86199' || lpad(row_number() over ()::text, 8, '0'), a.code, a.code, array[post], 'zh',
           'primary', true, 'bench-post:' || row_number() over ()
    from areas a cross join unnest(array['info_officer', 'grid_worker', 'village_cadre']) post
    where a.kind = 'village' and a.code like '1504%'`);
  await b.sql`analyze`;
  await b.sql`checkpoint`;
  const [v] = await b.db.execute<{ code: string }>(
    sql`select code from areas where kind = 'village' and code like '1504%' order by code limit 1`,
  );
  const runner = new DispatchRunner({
    db: b.db,
    sql: b.sql,
    channels: [noop],
    renderer,
    log: silentLogger,
    loopsPerChannel: 2,
    pollMs: 20,
    options: { batchSize: 500 },
  });
  await runner.start();
  const village = await responsibleFirstSend([v!.code]);
  while ((await count(village.w.id, sql`status in ('queued', 'sending')`)) > 0)
    await new Promise((r) => setTimeout(r, 20));
  // The same 7,371 messages with no public backlog at all: what the lane should match.
  const alone = await responsibleFirstSend(["150400000000"], EVERYONE.slice(1));
  const city = await responsibleFirstSend(["150400000000"]);
  await runner.stop();
  const total = await count(city.w.id, sql`true`);
  report("lanes", {
    public_people: N,
    city_deliveries: total,
    responsible_village: village.responsible,
    responsible_city: city.responsible,
    sms_pace_per_s: PACE,
    responsible_first_send_ms_village: Math.round(village.ms),
    responsible_first_send_ms_city: Math.round(city.ms),
    issue_ms_village: Math.round(village.issueMs),
    issue_ms_city: Math.round(city.issueMs),
    public_sent_before_last_responsible_city: city.publicBefore,
    ratio_responsible_city_vs_village: (city.ms / village.ms).toFixed(2),
    goal_ratio: "<=2",
    responsible_first_send_ms_city_no_public: Math.round(alone.ms),
    ratio_city_vs_city_no_public: (city.ms / alone.ms).toFixed(2),
    peak_rss_mb: rssMb(),
  });
} finally {
  await b.close();
}
