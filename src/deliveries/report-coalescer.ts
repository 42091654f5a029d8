// Provider reports that arrive one request at a time (Twilio's status callbacks, one per
// message and state) applied together: a report that arrives while a statement for its lane
// is running joins the next one, and its request is answered once the statement holding it
// has committed (group commit). Alone, a report goes at once; in a city-wide warning's
// burst of receipts, one statement carries hundreds, instead of a statement (and its
// planning) per callback holding a connection each.
import type { Db } from "../db/client.js";
import { applyProviderReports, type StatusChange } from "./reports.js";

type Report = StatusChange & { providerId: string };
interface Waiting {
  report: Report;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** Reports per statement: a bounded statement, and a bounded wait for the last of a burst. */
const MAX_BATCH = 500;

/** Statements at once over all lanes. A city's receipts come from every county at the
 * sending rate: one statement per lane at once held a connection per county, and the
 * reports waiting behind a few make the next batches bigger, not slower. */
const MAX_STATEMENTS = 2;

export class ReportCoalescer {
  private readonly lanes = new Map<string, Waiting[]>();
  /** Statements run so far. */
  statements = 0;
  /** The most statements that ran at once. */
  peak = 0;
  /** Statements running now over all lanes, and the lanes waiting for a slot. */
  private running = 0;
  private readonly turns: (() => void)[] = [];

  constructor(private readonly db: Db) {}

  /** Resolves once the report is applied (or parked, when its send is not recorded yet). */
  apply(report: Report, lane?: string): Promise<void> {
    const key = lane ?? "";
    const running = this.lanes.has(key);
    const queue = this.lanes.get(key) ?? [];
    this.lanes.set(key, queue);
    const done = new Promise<void>((resolve, reject) => queue.push({ report, resolve, reject }));
    if (!running) void this.drain(key, queue);
    return done;
  }

  /** One statement at a time per lane until its queue is empty; the lane's entry goes with
   * the last batch, so the next report starts a statement at once. A batch is taken once
   * its statement has a slot: what arrived meanwhile goes in it. */
  private async drain(key: string, queue: Waiting[]): Promise<void> {
    while (queue.length > 0) {
      // A free slot is taken without yielding: alone, a report goes at once.
      if (this.running < MAX_STATEMENTS) this.running++;
      else await new Promise<void>((r) => this.turns.push(r));
      const batch = queue.splice(0, MAX_BATCH);
      try {
        await this.run(batch, key);
      } catch (e) {
        if (batch.length === 1) batch[0]!.reject(e);
        else {
          // One report the statement could not take (or a passing failure) must not cost
          // the others their receipt: Twilio does not send a callback again, so a rejected
          // one is a delivery counted short for good. Each goes again alone; only what
          // fails alone is refused.
          for (const w of batch) await this.run([w], key).catch((e2: unknown) => w.reject(e2));
        }
      } finally {
        this.release();
      }
    }
    this.lanes.delete(key);
  }

  private async run(batch: Waiting[], key: string): Promise<void> {
    this.statements++;
    this.peak = Math.max(this.peak, this.running);
    await applyProviderReports(
      this.db,
      batch.map((w) => w.report),
      { lane: key || undefined },
    );
    for (const w of batch) w.resolve();
  }

  /** The slot passes straight to the next lane waiting, or frees. */
  private release(): void {
    const next = this.turns.shift();
    if (next) next();
    else this.running--;
  }
}

const coalescers = new WeakMap<Db, ReportCoalescer>();

/** The coalescer of a database handle (one per app). */
export function reportCoalescer(db: Db): ReportCoalescer {
  let c = coalescers.get(db);
  if (!c) {
    c = new ReportCoalescer(db);
    coalescers.set(db, c);
  }
  return c;
}
