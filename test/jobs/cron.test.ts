// Exactly once across instances: two processes, each with its own node-cron scheduler and
// database connection, contend for the same per-second slots; the cron_runs coordinator
// lets one run each slot. Also: the run wrapper keeps a failing job from escaping.
import { describe, expect, it, vi } from "vitest";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { sql } from "drizzle-orm";
import cron from "node-cron";
import { useContext } from "../helpers/context.js";
import { createDb } from "../../src/db/client.js";
import { claimCronSlot } from "../../src/db/queries/cron-runs.js";
import { jobs } from "../../src/jobs/index.js";
import { runJob } from "../../src/jobs/run.js";
import { createLogger } from "../../src/lib/log.js";
import { CRON_TIMEZONE } from "../../src/node/cron.js";

const ctx = useContext();
const INSTANCE = fileURLToPath(new URL("./fixtures/cron-instance.ts", import.meta.url));

interface Instance {
  line(text: string): void;
  waitFor(text: string): Promise<void>;
  exited: Promise<{ code: number | null; out: string }>;
}

function instance(url: string, owner: string): Instance {
  const p = spawn(process.execPath, ["--import", "tsx", INSTANCE], {
    env: { ...process.env, TEST_DB_URL: url, OWNER: owner },
  });
  let out = "";
  const waiters: { text: string; resolve: () => void }[] = [];
  const onData = (d: Buffer) => {
    out += d;
    for (const w of waiters.splice(0)) out.includes(w.text) ? w.resolve() : waiters.push(w);
  };
  p.stdout.on("data", onData);
  p.stderr.on("data", (d) => (out += d));
  const exited = new Promise<{ code: number | null; out: string }>((resolve) =>
    p.on("close", (code) => resolve({ code, out })),
  );
  return {
    line: (text) => p.stdin.write(`${text}\n`),
    waitFor: (text) =>
      new Promise<void>((resolve, reject) => {
        if (out.includes(text)) return resolve();
        waiters.push({ text, resolve });
        void exited.then((r) => reject(new Error(`instance ${owner} exited ${r.code} before "${text}":\n${r.out}`)));
      }),
    exited,
  };
}

describe("cron across instances", () => {
  it("two processes running the same per-second slots: each slot runs once, the other instance skips it", async () => {
    const c = ctx();
    const db = c.tdb.db;
    await db.execute(sql`create table probe_runs (owner text not null, slot timestamptz not null)`);
    await db.execute(sql`create table probe_skips (owner text not null, slot timestamptz not null, reason text)`);
    const both = [instance(c.tdb.url, "A"), instance(c.tdb.url, "B")];
    try {
      await Promise.all(both.map((i) => i.waitFor("ready")));
      for (const i of both) i.line("start");
      // Until both schedulers have contended for a few slots: one ran each, the other skipped it.
      await vi.waitUntil(
        async () => {
          const [r] = await db.execute<{ runs: number; skips: number }>(sql`select
          (select count(*)::int from probe_runs) as runs, (select count(*)::int from probe_skips) as skips`);
          return r!.runs >= 3 && r!.skips >= 2;
        },
        { timeout: 45_000, interval: 100 },
      );
    } finally {
      for (const i of both) i.line("stop");
    }
    const [a, b] = await Promise.all(both.map((i) => i.exited));
    expect(a!.code, a!.out).toBe(0);
    expect(b!.code, b!.out).toBe(0);

    const runs = await db.execute<{ owner: string; slot: string }>(
      sql`select owner, slot::text from probe_runs order by slot`,
    );
    const skips = await db.execute<{ owner: string; slot: string; reason: string }>(
      sql`select owner, slot::text, reason from probe_skips`,
    );
    const claimed = await db.execute<{ key: string; owner: string }>(
      sql`select key, owner from cron_runs where key like 'probe:%'`,
    );
    expect(runs.length).toBeGreaterThanOrEqual(2);
    // No slot ran twice, and every run was claimed by the instance that ran it.
    expect(new Set(runs.map((r) => r.slot)).size).toBe(runs.length);
    expect(claimed).toHaveLength(runs.length);
    // Both instances were live at once: the one not elected skipped slots the other ran.
    expect(skips.length).toBeGreaterThan(0);
    expect(new Set(skips.map((s) => s.reason))).toEqual(new Set(["not-elected"]));
    const ranSlots = new Set(runs.map((r) => r.slot));
    expect(skips.every((s) => ranSlots.has(s.slot))).toBe(true);
  }, 60_000);

  it("the coordinator elects exactly one of many concurrent claims from separate connections", async () => {
    const c = ctx();
    const clients = [
      postgres(c.tdb.url, { max: 4, onnotice: () => {} }),
      postgres(c.tdb.url, { max: 4, onnotice: () => {} }),
    ];
    try {
      const dbs = clients.map((s) => createDb(s));
      const key = `escalation:${new Date("2030-01-01T00:01:00Z").toISOString()}`;
      const results = await Promise.all(
        Array.from({ length: 16 }, (_, i) => claimCronSlot(dbs[i % 2]!, key, `owner-${i}`)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    } finally {
      await Promise.all(clients.map((s) => s.end({ timeout: 5 })));
    }
  });
});

describe("job list and run wrapper", () => {
  it("every job has a unique name and a cron both node-cron and Workers accept (5 fields, UTC)", () => {
    expect(new Set(jobs.map((j) => j.name)).size).toBe(jobs.length);
    for (const j of jobs) {
      expect(cron.validate(j.cron), j.name).toBe(true);
      expect(j.cron.split(" "), j.name).toHaveLength(5);
    }
    // The digest's 00:00 UTC is 08:00 in Shanghai.
    const digest = jobs.find((j) => j.name === "digest")!;
    const task = cron.createTask(digest.cron, () => {}, { timezone: CRON_TIMEZONE });
    const next = task.getNextRun()!;
    void task.destroy();
    expect(
      new Intl.DateTimeFormat("en-GB", {
        timeZone: "Asia/Shanghai",
        hour: "2-digit",
        minute: "2-digit",
        hourCycle: "h23",
      }).format(next),
    ).toBe("08:00");
  });

  it("a failing job is logged with its duration and outcome and never throws", async () => {
    const c = ctx();
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l) });
    const out = await runJob(
      {
        name: "boom",
        cron: "* * * * *",
        run: async () => {
          throw new Error("database is on fire");
        },
      },
      { ...c.services, log },
      new Date("2030-01-01T00:00:00Z"),
    );
    expect(out).toMatchObject({ ok: false, job: "boom", error: "database is on fire" });
    const line = JSON.parse(lines.at(-1)!);
    expect(line).toMatchObject({
      level: "error",
      msg: "job run",
      job: "boom",
      outcome: "failed",
      at: "2030-01-01T00:00:00.000Z",
    });
    expect(typeof line.ms).toBe("number");
  });
});
