// Failed console sign-ins, counted per submitted username and per source address (an
// attacker spraying one password over many names is caught by the second). The first
// few failures cost nothing; after that each failure doubles the wait before the next
// try, up to 15 minutes. Keys are the *submitted* name, so an unknown user is throttled
// exactly like a real one and the answer never tells them apart.

export type ThrottleKind = "user" | "addr";

export const THROTTLE = {
  /** Failures allowed before any wait. An address is shared by a whole office behind NAT. */
  free: { user: 5, addr: 20 } as Record<ThrottleKind, number>,
  baseSeconds: 1,
  maxSeconds: 15 * 60,
  /** A quiet hour forgets earlier failures. */
  forgetSeconds: 3600,
};

export const throttleKey = (kind: ThrottleKind, value: string) => `${kind}:${value.toLowerCase().slice(0, 128)}`;

/** Seconds to wait after the `failures`-th failure in a row. */
export function delayAfter(kind: ThrottleKind, failures: number): number {
  const over = failures - THROTTLE.free[kind];
  if (over < 0) return 0;
  return Math.min(THROTTLE.baseSeconds * 2 ** Math.min(over, 20), THROTTLE.maxSeconds);
}
