/** What a dispatcher loop waits on before each send. */
export interface Pacer {
  take(): Promise<void>;
}

/** Pacing per channel/provider: `rate` tokens per second, bursts up to `burst`. Waiters
 * queue in arrival order behind one timer: with hundreds of sends in flight at a high pace,
 * a timer per waiter woke them all every millisecond to hand out a few tokens. */
export class TokenBucket implements Pacer {
  private tokens: number;
  private last = performance.now();
  private readonly waiters: (() => void)[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    readonly rate: number,
    readonly burst = Math.max(1, rate),
  ) {
    this.tokens = this.burst;
  }

  private refill() {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }

  /** Resolves when a token is available (immediately for an unlimited bucket); first come, first served. */
  take(): Promise<void> {
    if (!Number.isFinite(this.rate)) return Promise.resolve();
    this.refill();
    if (this.waiters.length === 0 && this.tokens >= 1) {
      this.tokens -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.schedule();
    });
  }

  /** How many sends wait for a token now. */
  get waiting(): number {
    return this.waiters.length;
  }

  private schedule() {
    if (this.timer) return;
    const ms = Math.max(1, ((1 - this.tokens) / this.rate) * 1000);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.refill();
      while (this.waiters.length > 0 && this.tokens >= 1) {
        this.tokens -= 1;
        this.waiters.shift()!();
      }
      if (this.waiters.length > 0) this.schedule();
    }, ms);
  }
}
