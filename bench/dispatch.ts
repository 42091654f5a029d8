// bench/dispatch: drain a 200,000-person warning through a no-op channel with 4
// dispatcher loops (the full engine: the walks' claims writing the rows, render, pace,
// send, record, coverage counters), against a bare claim-and-mark loop over the same
// number of rows written beforehand (writeQueuedRows) in the same run: the database's own
// ceiling, which does not count writing the rows. Then the same drain by 1, 2 and 4
// dispatcher processes (child processes of 2 loops each, started and stopped by this one).
// Prints one line of key=value figures.
import { fork, type ChildProcess } from "node:child_process";
import { sql } from "drizzle-orm";
import {
  benchDb,
  benchWarning,
  markSent,
  percentile,
  report,
  rssMb,
  seedPeople,
  issueBenchWarning,
  unsent,
  writeQueuedRows,
} from "./lib.js";
import { DispatchRunner } from "../src/dispatch/runner.js";
import type { Channel } from "../channels/contract.js";
import { silentLogger } from "../src/lib/log.js";

const N = Number(process.env.BENCH_ROWS ?? 200_000);
const LOOPS = 4;
const b = await benchDb();

const noop: Channel = {
  kind: "sms",
  pace: { ratePerSecond: Infinity, concurrency: 1000 },
  send: async (m) => ({ providerId: `noop-${m.deliveryId}`, status: "sent" }),
};
const renderer = { render: () => ({ text: "bench", language: "zh" as const }) };

async function plan() {
  const w = await benchWarning(b.db);
  await issueBenchWarning(b.db, w);
  await b.sql`analyze deliveries`;
  await b.sql`checkpoint`;
  return w;
}

const PROCESSES = [1, 2, 4];
const sentOf = async (warningId: string) => {
  const [r] = await b.db.execute<{ n: number }>(
    sql`select count(*)::int as n from deliveries where warning_id = ${warningId} and status = 'sent'`,
  );
  return r!.n;
};
const message = (c: ChildProcess, key: string) =>
  new Promise<void>((resolve, reject) => {
    const on = (m: Record<string, unknown>) => {
      if (m[key]) {
        c.off("message", on);
        resolve();
      }
    };
    c.on("message", on);
    c.once("exit", (code) => reject(new Error(`dispatcher process exited ${code}`)));
  });
/** Asks a child to stop; kills its PID if it has not exited within 10 s. */
async function stopChild(c: ChildProcess) {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise((r) => c.once("exit", r));
  if (c.connected) c.send({ cmd: "stop" });
  const killer = setTimeout(() => c.pid && process.kill(c.pid, "SIGKILL"), 10_000);
  await exited;
  clearTimeout(killer);
}

async function waitDrained(warningId: string) {
  for (;;) {
    if ((await unsent(b.db, warningId)) === 0) return;
    await new Promise((res) => setTimeout(res, 50));
  }
}

try {
  await seedPeople(b.db, N);

  // Baseline: the same claim statement shape and a plain "mark sent", nothing else, over
  // rows written beforehand.
  const base = await plan();
  await writeQueuedRows(b.db, base.id);
  await b.sql`analyze deliveries`;
  await b.sql`checkpoint`;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: LOOPS }, async () => {
      for (;;) {
        const rows = await b.sql`
        with c as (select id from deliveries where status = 'queued' and device_id is null and channel = 'sms' order by level_rank, next_attempt_at limit 1000 for update skip locked)
        update deliveries d set status = 'sending', lease_until = now() + interval '1 minute' from c where d.id = c.id returning d.id`;
        if (rows.length === 0) return;
        await markSent(
          b.db,
          rows.map((r) => r.id),
        );
      }
    }),
  );
  const baseS = (performance.now() - t0) / 1000;
  const [bn] = await b.db.execute<{ n: number }>(
    sql`select count(*)::int as n from deliveries where warning_id = ${base.id} and status = 'sent'`,
  );

  const w = await plan();
  const runner = new DispatchRunner({
    db: b.db,
    sql: b.sql,
    channels: [noop],
    renderer,
    log: silentLogger,
    loopsPerChannel: LOOPS,
    pollMs: 20,
    options: { batchSize: 1000 },
  });
  const t1 = performance.now();
  await runner.start();
  await waitDrained(w.id);
  const engineS = (performance.now() - t1) / 1000;
  await runner.stop();

  // 1, 2 and 4 processes: each started and connected before the clock starts, then told
  // to go; stopped by PID once the warning's rows are all sent.
  const perProcess: Record<string, number> = {};
  for (const procs of PROCESSES) {
    const wp = await plan();
    const children: ChildProcess[] = [];
    try {
      for (let i = 0; i < procs; i++) {
        const child = fork(new URL("./dispatch-process.ts", import.meta.url).pathname, {
          execArgv: ["--import", "tsx"],
          env: { ...process.env, BENCH_DATABASE_URL: b.url },
        });
        children.push(child);
      }
      await Promise.all(children.map((c) => message(c, "ready")));
      const t = performance.now();
      for (const c of children) c.send({ cmd: "go" });
      await waitDrained(wp.id);
      perProcess[`engine_msgs_per_s_procs_${procs}`] = Math.round(
        (await sentOf(wp.id)) / ((performance.now() - t) / 1000),
      );
    } finally {
      await Promise.all(children.map(stopChild));
    }
  }

  const lat = await b.db.execute<{ ms: number }>(
    sql`select extract(epoch from (sent_at - claimed_at)) * 1000 as ms from deliveries where warning_id = ${w.id} and status = 'sent'`,
  );
  const ms = lat.map((r) => Number(r.ms)).sort((a, c) => a - c);
  report("dispatch", {
    deliveries: ms.length,
    loops: LOOPS,
    engine_s: engineS.toFixed(2),
    engine_msgs_per_s: Math.round(ms.length / engineS),
    claim_to_sent_p50_ms: Math.round(percentile(ms, 50)),
    claim_to_sent_p99_ms: Math.round(percentile(ms, 99)),
    baseline_claim_mark_msgs_per_s: Math.round(bn!.n / baseS),
    ratio_engine_vs_baseline: (ms.length / engineS / (bn!.n / baseS)).toFixed(2),
    ...perProcess,
    goal_msgs_per_s: ">=20000",
    peak_rss_mb: rssMb(),
  });
} finally {
  await b.close();
}
