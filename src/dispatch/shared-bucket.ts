// One pace per channel for every dispatcher process on the database: each process takes
// grants of sends for the current second from Postgres (take_pace, src/db/sql/pace.sql),
// so N instances together keep to SMS_RATE_PER_SECOND instead of N times it. Grants come
// in blocks (a tenth of the rate, or as many as are waiting), and what is left of a block
// lapses with its second, so no process carries one second's grant into the next.
import { sql } from "drizzle-orm";
import type { Db } from "../db/client.js";
import type { Pacer } from "./pacer.js";

interface Waiter {
  resolve: () => void;
  reject: (e: unknown) => void;
}

export async function takePace(
  db: Db,
  channel: string,
  want: number,
  perSecond: number,
): Promise<{ got: number; msLeft: number }> {
  const [r] = await db.execute<{ got: number; ms_left: number }>(
    sql`select got, ms_left from take_pace(${channel}, ${want}::int, ${perSecond}::int)`,
  );
  return { got: r?.got ?? 0, msLeft: r?.ms_left ?? 1000 };
}

export class SharedTokenBucket implements Pacer {
  /** Sends a second across all processes (at least 1). */
  readonly perSecond: number;
  private tokens = 0;
  /** performance.now() at which the unused tokens' second ends. */
  private lapseAt = 0;
  private readonly waiters: Waiter[] = [];
  private refilling = false;

  constructor(
    private readonly db: Db,
    readonly channel: string,
    rate: number,
  ) {
    this.perSecond = Math.max(1, Math.floor(rate));
  }

  take(): Promise<void> {
    if (this.waiters.length === 0 && this.available() >= 1) {
      this.tokens -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      void this.refill();
    });
  }

  /** How many sends wait for a grant now. */
  get waiting(): number {
    return this.waiters.length;
  }

  private available(): number {
    if (performance.now() >= this.lapseAt) this.tokens = 0;
    return this.tokens;
  }

  private async refill(): Promise<void> {
    if (this.refilling) return;
    this.refilling = true;
    try {
      while (this.waiters.length > 0) {
        if (this.available() < 1) {
          const want = Math.min(this.perSecond, Math.max(this.waiters.length, Math.ceil(this.perSecond / 10)));
          const { got, msLeft } = await takePace(this.db, this.channel, want, this.perSecond);
          if (got === 0) {
            // This second's sends are all granted (here or elsewhere): wait for the next.
            await new Promise((r) => setTimeout(r, msLeft));
            continue;
          }
          this.tokens = got;
          this.lapseAt = performance.now() + msLeft;
        }
        while (this.waiters.length > 0 && this.available() >= 1) {
          this.tokens -= 1;
          this.waiters.shift()!.resolve();
        }
      }
    } catch (e) {
      // The database is unreachable: the sends fail as retryable and come back later.
      for (const w of this.waiters.splice(0)) w.reject(e);
    } finally {
      this.refilling = false;
    }
  }
}
