// Bench harness: a throwaway PostgreSQL (embedded, in a temp dir, or DATABASE_URL with a
// fresh database), migrated and seeded with the real divisions; stopped on exit.
import postgres, { type Sql } from "postgres";
import { sql as q } from "drizzle-orm";
import { startScratchPostgres } from "../src/db/embedded.js";
import { migrateDatabase } from "../src/db/migrate.js";
import { CONNECTION, createDb, type Db } from "../src/db/client.js";
import { seedAreas } from "../src/seed/areas.js";
import { insertUser } from "../src/db/queries/users.js";
import { insertWarning, type Warning } from "../src/db/queries/warnings.js";
import { issueWarning } from "../src/warnings/issue.js";
import { continuePlans } from "../src/dispatch/progressive.js";
import type { PlanResult } from "../src/dispatch/planner.js";
import { createApp } from "../src/app.js";
import { defaultGrading, defaultPolicy } from "../src/config/grading.js";
import { silentLogger } from "../src/lib/log.js";
import { defaultServiceConfig } from "../src/services.js";
import { sha256Hex } from "../src/lib/crypto.js";
import type { Channel } from "../channels/contract.js";
import { changedColumns, countChanges, oldStamps } from "../src/deliveries/coverage.js";

export interface BenchDb {
  sql: Sql;
  db: Db;
  url: string;
  close(): Promise<void>;
}

export async function benchDb(): Promise<BenchDb> {
  const scratch = await startScratchPostgres("warncast-bench-");
  const adminUrl = scratch.adminUrl;
  const name = `bench_${process.pid}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${name}`);
  await admin.unsafe(`create database ${name}`);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  await migrateDatabase(u.toString());
  const sql = postgres(u.toString(), { max: 12, onnotice: () => {}, connection: CONNECTION });
  const db = createDb(sql);
  await seedAreas(db);
  return {
    sql,
    db,
    url: u.toString(),
    async close() {
      // The scratch server is stopped whatever failed before it: a bench that died here
      // once left its Postgres running.
      try {
        await sql.end({ timeout: 5 });
        await admin.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await admin.end({ timeout: 5 }).catch(() => {});
        await scratch.stop();
      }
    },
  };
}

/** Moves ledger rows in bulk as a burst of callbacks would, the coverage counters included
 * (the same CTEs the engine's statements carry). `where` and `set` name the row as `d`. */
export async function setDeliveries(db: Db, where: ReturnType<typeof q>, set: ReturnType<typeof q>): Promise<number> {
  const [r] = await db.execute<{ n: number }>(q`
    with prev as (select d.id, d.issued_at, ${oldStamps("d")} from deliveries d where ${where} for update of d),
    upd as (
      update deliveries d set ${set} from prev where d.id = prev.id and d.issued_at = prev.issued_at
      returning ${changedColumns("prev")}
    ),
    ${countChanges("upd")}
    select count(*)::int as n from upd`);
  return r!.n;
}

/** A bare drain's "mark sent" of claimed rows, with the coverage counters the engine's
 * record keeps (part of the work): the baselines of bench:dispatch. */
export async function markSent(db: Db, ids: (string | number)[]): Promise<void> {
  await db.execute(q`
    with m as (
      update deliveries d set status = 'sent', sent_at = now(), lease_until = null
      where id = any(${q.param(ids.map(String))}::bigint[])
      returning ${changedColumns(null)}
    ),
    ${countChanges("m")}
    select 1`);
}

/** A baseline's rows: one queued SMS row per targeted member of the public of an issued
 * and planned warning `w`, written by one bare INSERT … SELECT (not the engine), numbered
 * after its ledger's rows, and its walks closed so that no claim writes them again. The
 * rows the planner wrote before the public became walks (deliveries/walks.ts); returns
 * how many. */
export async function writeQueuedRows(db: Db, warningId: string): Promise<number> {
  const [r] = await db.execute<{ n: number }>(q`
    with ins as (
      insert into deliveries (id, warning_id, issued_at, channel, recipient_id, village_code, address, language,
        level_rank, priority, status, queued_at, next_attempt_at)
      select (w.ledger_no << 26) + l.rows + row_number() over (order by r.id), w.id, w.issued_at, 'sms', r.id,
        r.village_code, r.phone, r.language, pw.level_rank, pw.priority, 'queued', now(), now()
      from warnings w join delivery_ledgers l on l.warning_id = w.id
        join public_walks pw on pw.warning_id = w.id and pw.channel = 'sms'
        join coverage_villages tv on tv.warning_id = w.id and left(tv.village_code, 6) = pw.lane
        join recipients r on r.village_code = tv.village_code and r.active and r.phone is not null
          and r.audiences && '{public}'::text[]
      where w.id = ${warningId}
      returning 1
    ),
    closed as (update public_walks set done_at = now() where warning_id = ${warningId} returning 1),
    -- As a walk that wrote everyone leaves its counters (the plan counted them targeted).
    counted as (update coverage_counts set pending = 0 where warning_id = ${warningId} and pending <> 0 returning 1)
    select count(*)::int as n from ins`);
  return r!.n;
}

/** What a warning has still to send: its queued and sending rows, and the people its walks
 * have not written yet. */
export async function unsent(db: Db, warningId: string): Promise<number> {
  const [r] = await db.execute<{ n: number }>(q`
    select (select count(*) from deliveries where warning_id = ${warningId} and status in ('queued', 'sending'))::int
      + (select coalesce(sum(pending), 0) from coverage_counts where warning_id = ${warningId})::int as n`);
  return r!.n;
}

/** `n` synthetic people spread over Chifeng's 2,457 villages in proportion to population. */
export async function seedPeople(db: Db, n: number): Promise<number> {
  const [r] = await db.execute<{ n: number }>(q`
    with v as (
      select code, population::float8 / sum(population) over () as share from areas where kind = 'village' and code like '1504%'
    ),
    k as (select code, greatest(1, round(share * ${n}))::int as k from v),
    ins as (
      insert into recipients (name, phone, email, area_code, village_code, audiences, language, synthetic, dedupe_key)
      select 'p', '+86100' || lpad(row_number() over ()::text, 8, '0'), null, code, code, array['public'], 'zh', true,
             'bench:' || row_number() over ()
      from k cross join lateral generate_series(1, k.k)
      returning 1
    ) select count(*)::int as n from ins`);
  return r!.n;
}

/** The posts who must act, 3 per village (info officer, grid worker, village cadre): 7,371. */
export async function seedPosts(db: Db): Promise<void> {
  await db.execute(q`
    insert into recipients (name, phone, area_code, village_code, audiences, language, role, synthetic, dedupe_key)
    select 'r', '+86199' || lpad(row_number() over ()::text, 8, '0'), a.code, a.code, array[post], 'zh',
           'primary', true, 'bench-post:' || row_number() over ()
    from areas a cross join unnest(array['info_officer', 'grid_worker', 'village_cadre']) post
    where a.kind = 'village' and a.code like '1504%'`);
}

/** An SMS channel that sends nothing, paced like a gateway. */
export function noopSms(ratePerSecond: number): Channel {
  return {
    kind: "sms",
    pace: { ratePerSecond, concurrency: 1000 },
    send: async (m) => ({ providerId: `noop-${m.deliveryId}`, status: "sent" }),
  };
}
export const benchRenderer = { render: () => ({ text: "bench", language: "zh" as const }) };

export async function benchWarning(db: Db, over: Partial<Parameters<typeof insertWarning>[1]> = {}): Promise<Warning> {
  const u = await insertUser(db, {
    name: "bench",
    role: "admin",
    areaScope: "150000000000",
    keyHash: `bench-${Math.random()}`,
  });
  const id = crypto.randomUUID();
  return insertWarning(db, {
    id,
    threadId: id,
    identifier: `bench.${id}`,
    sender: "bench",
    senderName: "赤峰市气象台",
    createdBy: u.id,
    type: "rainstorm",
    level: "red",
    headline: "赤峰市气象台发布暴雨红色预警",
    description: "bench",
    areaCodes: ["150400000000"],
    audiences: ["public"],
    channels: ["sms"],
    expires: new Date(Date.now() + 86_400_000),
    status: "approved",
    ...over,
  });
}

export const rssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** The bench's one output line. */
export function report(name: string, figures: Record<string, string | number>): void {
  console.log([`bench=${name}`, ...Object.entries(figures).map(([k, v]) => `${k}=${v}`)].join(" "));
}

/** Issues `w` as the system would and, unless `finish` is false (a dispatcher runner plans
 * it), writes the public's deliveries county by county to the end, as a runner's planner does. */
export async function issueBenchWarning(
  db: Db,
  w: Warning,
  now = new Date(),
  o: { finish?: boolean } = {},
): Promise<PlanResult & { planned: number }> {
  const { plan } = await db.transaction((tx) => issueWarning(tx, w, { now, actor: "bench", actorKind: "system" }));
  const rest = o.finish === false ? { deliveries: 0 } : await continuePlans(db, () => now);
  return { ...plan, planned: plan.deliveries + rest.deliveries };
}

/** The real app over the bench database, and a city-wide viewer's API key for it. */
export async function benchApp(db: Db): Promise<{ app: ReturnType<typeof createApp>; key: string }> {
  const key = `wck_bench_${Math.random().toString(36).slice(2)}`;
  await insertUser(db, { name: "viewer", role: "viewer", areaScope: "150400000000", keyHash: await sha256Hex(key) });
  return {
    app: createApp({
      db,
      grading: defaultGrading,
      policy: defaultPolicy,
      config: defaultServiceConfig,
      log: silentLogger,
      now: () => new Date(),
    }),
    key,
  };
}

/** `runs` timings of `f` in ms, sorted (for percentile()). */
export async function timeRuns(runs: number, f: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await f();
    out.push(performance.now() - t);
  }
  return out.sort((a, c) => a - c);
}
