/** What a dispatcher loop waits on before each send: a channel's shared pace
 * (shared-bucket.ts), or nothing for a channel without one. */
export interface Pacer {
  take(): Promise<void>;
}

/** An unlimited pace (`ratePerSecond: Infinity`: the no-op and loopback channels). */
export const unpaced: Pacer = { take: () => Promise.resolve() };
