// A dispatch loop's rows claimed and not yet answered, across the batches it has open. The
// loop claims again once at most half its channel's concurrency remain, not when a
// batch's last send answers: one send hanging to its deadline (20 s) held every SMS of the
// process, a red warning's included, while the other 499 of its batch were long done; and
// the claim, render and record of the next batch waited for the slowest send of each.

export class OpenRows {
  private n = 0;
  private waiters: (() => void)[] = [];

  /** `lowWater`: the loop claims again at or below this many open rows. */
  constructor(readonly lowWater: number) {}

  get count(): number {
    return this.n;
  }

  add(k: number): void {
    this.n += k;
  }

  /** `k` rows answered (sent, failed, or given back). */
  done(k = 1): void {
    this.n -= k;
    if (this.n <= this.lowWater) for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves once the loop may claim again. */
  belowLowWater(): Promise<void> {
    return this.n <= this.lowWater ? Promise.resolve() : new Promise<void>((r) => this.waiters.push(r));
  }
}
