// bench/escalation: the 叫应 job over a city-wide red warning (2,457 villages, a million
// public recipients, six responsible posts per village, township and county officials):
// each step's run (start, backup, township, county, idle minute) against a per-village
// loop creating the same backup messages for a second warning, in the same run. Prints
// one line of key=value figures.
import { sql } from "drizzle-orm";
import { benchDb, benchWarning, report, seedPeople, issueBenchWarning } from "./lib.js";
import { defaultGrading, defaultPolicy } from "../src/config/grading.js";
import { silentLogger } from "../src/lib/log.js";
import { defaultServiceConfig, type Services } from "../src/services.js";
import { escalationJob } from "../src/jobs/escalation.js";
import { loudspeakerFallbackJob } from "../src/jobs/loudspeaker-fallback.js";
import { advanceLedger, ledgerId, lockLedger } from "../src/deliveries/ledger-ids.js";

const N = Number(process.env.BENCH_ROWS ?? 1_000_000);
const b = await benchDb();
const min = (t: Date, m: number) => new Date(t.getTime() + m * 60_000);
try {
  await seedPeople(b.db, N);
  // Posts: per village 3 primary + 3 backup (info officer, grid worker, village cadre);
  // 2 officials per township and 3 per county, living in its first village.
  await b.db.execute(sql`
    insert into recipients (name, phone, area_code, village_code, audiences, language, role, synthetic, dedupe_key)
    select 'post', '+86109' || lpad(row_number() over ()::text, 8, '0'), v.code, v.code, array[a], 'zh', r::post_role, true, 'bench:post:' || row_number() over ()
    from areas v cross join unnest(array['info_officer', 'grid_worker', 'village_cadre']) a cross join unnest(array['primary', 'backup']) r
    where v.kind = 'village' and v.code like '1504%'`);
  await b.db.execute(sql`
    insert into recipients (name, phone, area_code, village_code, audiences, language, synthetic, dedupe_key)
    select 'official', '+86108' || lpad(row_number() over ()::text, 8, '0'), f.code, f.code, array[f.aud], 'zh', true, 'bench:official:' || row_number() over ()
    from (
      select min(code) as code, 'township_official' as aud, g from areas cross join generate_series(1, 2) g where kind = 'village' and code like '1504%' group by left(code, 9), g
      union all
      select min(code), 'county_official', g from areas cross join generate_series(1, 3) g where kind = 'village' and code like '1504%' group by left(code, 6), g
    ) f`);
  await b.sql`analyze`;
  const audiences = ["public", "info_officer", "grid_worker", "village_cadre"];
  const t0 = new Date();
  const w = await benchWarning(b.db, { audiences, expires: min(t0, 24 * 60) });
  const tPlan = performance.now();
  await issueBenchWarning(b.db, w, t0);
  const planS = (performance.now() - tPlan) / 1000;

  const s: Services = {
    db: b.db,
    grading: defaultGrading,
    policy: defaultPolicy,
    config: defaultServiceConfig,
    log: silentLogger,
    now: () => t0,
  };
  const timed = async (m: number) => {
    const t = performance.now();
    const r = (await escalationJob.run(s, min(t0, m))) as { started: number; advanced: number; messages: number };
    return { ms: Math.round(performance.now() - t), ...r };
  };
  const start = await timed(1);
  const backup = await timed(5);
  const township = await timed(10);
  const county = await timed(15);
  const idle = await timed(16);

  // Baseline: the backup step for a second warning, one INSERT per village from Node.
  const w2 = await benchWarning(b.db, { audiences, expires: min(t0, 24 * 60) });
  await issueBenchWarning(b.db, w2, t0);
  const villages = await b.db.execute<{ village_code: string }>(
    sql`select village_code from coverage_villages where warning_id = ${w2.id}`,
  );
  const tb = performance.now();
  let loopRows = 0;
  await b.db.transaction(async (tx) => {
    for (const v of villages) {
      const [r] = await tx.execute<{ n: number }>(sql`
        with ${lockLedger(sql`${w2.id}::uuid`)},
        ins as (
          insert into deliveries (id, warning_id, channel, purpose, escalation_step, recipient_id, village_code, address, language, level_rank, status)
          select ${ledgerId("ledger", sql`row_number() over ()`)}, ${w2.id}::uuid, 'sms', 'escalation', 2, r.id, ${v.village_code}, r.phone, r.language, 1, 'queued'
          from recipients r left join ledger on true where r.village_code = ${v.village_code} and r.role = 'backup' and r.active
            and r.audiences && array['info_officer', 'grid_worker', 'village_cadre']
            and not exists (select 1 from deliveries d where d.warning_id = ${w2.id} and d.recipient_id = r.id and d.purpose = 'escalation' and d.escalation_step = 2)
          returning warning_id
        ),
        ${advanceLedger("ins")}
        select count(*)::int as n from ins`);
      loopRows += r!.n;
    }
  });
  const loopMs = Math.round(performance.now() - tb);

  // Dead-loudspeaker fallback: one loudspeaker per village, every other one offline.
  await b.db.execute(sql`
    insert into devices (kind, name, area_code, village_code, token_hash, online, last_seen)
    select 'loudspeaker', 'ls ' || code, code, code, 'bench-' || code, (row_number() over (order by code)) % 2 = 0, ${min(t0, -30).toISOString()}::timestamptz
    from areas where kind = 'village' and code like '1504%'`);
  const w3 = await benchWarning(b.db, { audiences, channels: ["sms", "loudspeaker"], expires: min(t0, 24 * 60) });
  await issueBenchWarning(b.db, w3, t0);
  const tf = performance.now();
  const fb = (await loudspeakerFallbackJob.run(s, min(t0, 1))) as {
    villages: number;
    devicesFailed: number;
    messages: number;
  };
  const fallbackMs = Math.round(performance.now() - tf);
  const tf2 = performance.now();
  await loudspeakerFallbackJob.run(s, min(t0, 2));
  const fallbackIdleMs = Math.round(performance.now() - tf2);

  report("escalation", {
    public_recipients: N,
    villages: start.started,
    plan_s: planS.toFixed(2),
    start_ms: start.ms,
    backup_ms: backup.ms,
    backup_rows: backup.messages,
    township_ms: township.ms,
    township_rows: township.messages,
    county_ms: county.ms,
    county_rows: county.messages,
    idle_minute_ms: idle.ms,
    baseline_loop_backup_ms: loopMs,
    baseline_loop_rows: loopRows,
    ratio_backup_vs_loop: (backup.ms / loopMs).toFixed(2),
    fallback_ms: fallbackMs,
    fallback_villages: fb.villages,
    fallback_devices_failed: fb.devicesFailed,
    fallback_rows: fb.messages,
    fallback_idle_minute_ms: fallbackIdleMs,
  });
} finally {
  await b.close();
}
