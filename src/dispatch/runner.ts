// Runs the dispatcher loops of one process: N loops per channel, woken by Postgres
// NOTIFY when a warning is issued, with a short poll as fallback (a missed notification,
// a retry coming due). Also hands back expired leases and expires ended warnings' rows,
// and plans pending warnings county by county (progressive.ts) as soon as one is issued.
import type { Sql } from "postgres";
import type { Db } from "../db/client.js";
import type { Channel } from "../../channels/contract.js";
import type { Logger } from "../lib/log.js";
import { errorFields } from "../lib/log.js";
import { randomId } from "../lib/crypto.js";
import { defaultDispatchOptions, dispatchOnce, newRamp, type DispatchOptions, type LoopDeps } from "./dispatcher.js";
import { OpenRows } from "./open-rows.js";
import { expireEndedInBatches, recoverLeases, type LaneHint } from "../deliveries/claims.js";
import { refreshStatistics } from "../db/statistics.js";
import { applyWaitingReports } from "../deliveries/reports.js";
import { DELIVERIES_CHANNEL } from "./notify.js";
import { continuePlans, type PlanOptions } from "./progressive.js";
import type { MessageRenderer } from "./render.js";
import { unpaced } from "./pacer.js";
import { SharedTokenBucket } from "./shared-bucket.js";

/** How soon a runner looks again when a public pass waits for the people who must act. */
const PLAN_RETRY_MS = 250;

export interface RunnerDeps {
  db: Db;
  /** postgres.js client, for LISTEN. */
  sql: Sql;
  channels: Channel[];
  renderer: MessageRenderer;
  log: Logger;
  now?: () => Date;
  options?: Partial<DispatchOptions>;
  loopsPerChannel?: number;
  pollMs?: number;
  maintenanceMs?: number;
  /** Rows per expiry statement (tests make it small). */
  expireBatch?: number;
  /** A device hub in this process takes the devices step's commands (PlanOptions). */
  onDeviceCommands?: PlanOptions["onDeviceCommands"];
}

export class DispatchRunner {
  readonly owner = `dispatch-${randomId(4)}`;
  private running = false;
  private loops: Promise<void>[] = [];
  private wakeups = new Set<() => void>();
  private laneHints: LaneHint[] = [];
  /** Bumped by every wake: a loop mid-claim when a NOTIFY arrives sees it changed and
   * claims again at once instead of sleeping out the poll (the hub's deliverAgain idea). */
  private wakeGeneration = 0;
  private unlisten: (() => Promise<void>) | null = null;
  private maintenance: ReturnType<typeof setInterval> | null = null;
  /** The maintenance round under way, if any: one at a time, awaited by stop(). */
  private maintaining: Promise<void> | null = null;
  private planning: Promise<void> | null = null;
  private planAgain = false;
  private planTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly d: RunnerDeps) {}

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const now = this.d.now ?? (() => new Date());
    const { unlisten } = await this.d.sql.listen(DELIVERIES_CHANNEL, () => {
      this.wakeAll();
      this.plan(now);
    });
    this.unlisten = unlisten;
    const options = { ...defaultDispatchOptions, ...this.d.options };
    for (const channel of this.d.channels) {
      // A finite pace is shared with every other dispatcher process on the database.
      const rate = channel.pace.ratePerSecond;
      const bucket = Number.isFinite(rate) ? new SharedTokenBucket(this.d.db, channel.kind, rate) : unpaced;
      for (let i = 0; i < (this.d.loopsPerChannel ?? 1); i++) {
        const laneHint: LaneHint = {};
        this.laneHints.push(laneHint);
        const deps: LoopDeps = {
          laneHint,
          ramp: newRamp(),
          db: this.d.db,
          channel,
          bucket,
          renderer: this.d.renderer,
          owner: this.owner,
          now,
          log: this.d.log,
          options,
        };
        this.loops.push(this.loop(deps));
      }
    }
    // As often as a lease is short: a dead sender's rows come back within seconds.
    this.maintenance = setInterval(() => {
      this.maintaining ??= this.maintain(now()).finally(() => {
        this.maintaining = null;
      });
      this.plan(now);
    }, this.d.maintenanceMs ?? 2_000);
    this.plan(now);
  }

  /** One planner per process at a time; a wake while it runs makes it look once more. */
  private plan(now: () => Date): void {
    if (this.planning) {
      this.planAgain = true;
      return;
    }
    this.planAgain = false;
    this.planning = continuePlans(this.d.db, now, () => this.running, {
      holdPublic: true,
      ...(this.d.onDeviceCommands ? { onDeviceCommands: this.d.onDeviceCommands, log: this.d.log } : {}),
    })
      .then((r) => {
        if (r.chunks + r.warnings > 0) this.d.log.info("progressive plan", r);
        // A public pass waits for the people who must act (at most PUBLIC_HOLD_MS), or a
        // step for a late joiner under way: look again shortly rather than at the next
        // notice or maintenance round.
        if (r.held) this.planSoon(now);
      })
      .catch((e) => this.d.log.error("progressive plan failed", errorFields(e)))
      .finally(() => {
        this.planning = null;
        if (this.planAgain && this.running) this.plan(now);
      });
  }

  private planSoon(now: () => Date): void {
    if (this.planTimer || !this.running) return;
    this.planTimer = setTimeout(() => {
      this.planTimer = null;
      if (this.running) this.plan(now);
    }, PLAN_RETRY_MS);
  }

  wakeAll(): void {
    this.wakeGeneration++;
    // New rows may be more urgent than the lane a loop holds: every loop looks afresh.
    for (const h of this.laneHints) h.lane = undefined;
    for (const w of this.wakeups) w();
  }

  /** One round at a time: rounds that overlapped (a round outlasting the 2 s interval) ran
   * the same statements on the same rows, waited on each other's locks and held the
   * pool's connections, so the console's requests waited seconds for one. */
  private async maintain(now: Date) {
    try {
      const recovered = await recoverLeases(this.d.db, now);
      const expired = await expireEndedInBatches(this.d.db, now, {
        ...(this.d.expireBatch ? { batch: this.d.expireBatch } : {}),
        keepGoing: () => this.running,
      });
      // Belt and braces for reports parked while their send was being recorded.
      await applyWaitingReports(this.d.db);
      // A warning's fan-out outgrows the ledger's statistics within seconds (statistics.ts).
      await refreshStatistics(this.d.db);
      if (recovered + expired > 0) {
        this.d.log.info("dispatch maintenance", { recovered, expired });
        this.wakeAll();
      }
    } catch (e) {
      this.d.log.error("dispatch maintenance failed", errorFields(e));
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.wakeups.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wakeups.add(done);
    });
  }

  /** Claims again once the open batches' unanswered rows fall to half the channel's
   * concurrency (open-rows.ts), so a slow send never holds the channel; at stop, waits for
   * every open batch to record its outcomes. */
  private async loop(deps: LoopDeps): Promise<void> {
    const open = new OpenRows(Math.floor(deps.channel.pace.concurrency / 2));
    const batches = new Set<Promise<unknown>>();
    let failures = 0;
    const failed = (e: unknown) => {
      failures++;
      deps.log.error("dispatch loop error", { channel: deps.channel.kind, ...errorFields(e) });
    };
    while (this.running) {
      const generation = this.wakeGeneration;
      let n: number;
      try {
        n = await new Promise<number>((resolve, reject) => {
          const batch = dispatchOnce({ ...deps, open }, { onClaimed: resolve }).then(
            () => {
              failures = 0;
            },
            (e: unknown) => {
              // Before the claim answered: the loop backs off below. After: the batch's
              // rows come back when their leases run out (recoverLeases).
              reject(e);
              failed(e);
            },
          );
          batches.add(batch);
          void batch.finally(() => batches.delete(batch));
        });
      } catch {
        await this.sleep(Math.min(30_000, 500 * 2 ** failures));
        continue;
      }
      if (n === 0) {
        if (generation === this.wakeGeneration) await this.sleep(this.d.pollMs ?? 1_000);
      } else await open.belowLowWater();
    }
    await Promise.all(batches);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.maintenance) clearInterval(this.maintenance);
    if (this.planTimer) clearTimeout(this.planTimer);
    this.planTimer = null;
    this.wakeAll();
    await Promise.all(this.loops);
    await this.planning;
    await this.maintaining;
    this.loops = [];
    this.laneHints = [];
    await this.unlisten?.().catch(() => {});
  }
}
