/** Jittered exponential backoff: base·2^(attempt−1), capped, with "equal jitter" so retries
 * of a failed batch spread out instead of returning together. */
export function backoffMs(attempt: number, opts: { baseMs: number; capMs: number }, random = Math.random): number {
  const exp = Math.min(opts.capMs, opts.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}
