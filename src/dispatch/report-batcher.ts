// Provider reports that arrive one by one (a simulator's timers, a local sink) applied in
// batches: one statement per flush instead of one per message.
import type { Db } from "../db/client.js";
import type { StatusReport } from "../../channels/contract.js";
import type { Logger } from "../lib/log.js";
import { errorFields } from "../lib/log.js";
import { applyProviderReports } from "../deliveries/reports.js";

export class ReportBatcher {
  private pending: StatusReport[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    private readonly flushMs = 200,
    private readonly maxBatch = 5_000,
  ) {}

  readonly push = (r: StatusReport): void => {
    this.pending.push(r);
    if (this.pending.length >= this.maxBatch) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.flushMs);
  };

  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch = this.pending;
    this.pending = [];
    this.flushing = this.flushing.then(async () => {
      if (batch.length === 0) return;
      try {
        await applyProviderReports(
          this.db,
          batch.map((r) => ({
            providerId: r.providerId,
            status: r.status,
            at: r.at,
            errorCode: r.errorCode,
            error: r.error,
          })),
        );
      } catch (e) {
        this.log.error("applying provider reports failed", { count: batch.length, ...errorFields(e) });
      }
    });
    return this.flushing;
  }
}
