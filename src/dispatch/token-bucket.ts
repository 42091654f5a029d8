/** Pacing per channel/provider: `rate` tokens per second, bursts up to `burst`. */
export class TokenBucket {
  private tokens: number;
  private last = performance.now();

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

  /** Resolves when a token is available (immediately for an unlimited bucket). */
  async take(): Promise<void> {
    if (!Number.isFinite(this.rate)) return;
    for (;;) {
      this.refill();
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await new Promise((r) => setTimeout(r, Math.max(1, ((1 - this.tokens) / this.rate) * 1000)));
    }
  }
}
