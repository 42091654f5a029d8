// Identifiers and times of GD/J 082/083 (shared/EB-PLATFORM.md, "Identifiers and times").
// EBDID = type (2) + source EBRID (18) + sequence (16); EBMID = EBRID (18) + YYYYMMDD + sequence (4).

export const EBD_TYPE_HEARTBEAT = "01";
export const EBD_TYPE_OTHER = "10";

/** Heartbeats carry sequence 0: they are not kept, so they need not be told apart. */
export function ebdId(source: string, sequence: number | bigint, type = EBD_TYPE_OTHER): string {
  const seq = String(sequence);
  if (seq.length > 16) throw new RangeError(`EBDID sequence ${seq} exceeds 16 digits`);
  return `${type}${source}${seq.padStart(16, "0")}`;
}

export function ebmId(source: string, day: string, sequence: number): string {
  if (sequence < 1 || sequence > 9999) throw new RangeError(`EBMID sequence ${sequence} is outside 1–9999 for ${day}`);
  return `${source}${day}${String(sequence).padStart(4, "0")}`;
}

// Beijing has had no daylight saving since 1991: a fixed +08:00 is exact.
const BEIJING_MS = 8 * 3600_000;

/** `YYYY-MM-DD HH:MI:SS` in Beijing time, no zone: the wire form of every EBD time. */
export function beijingTime(d: Date): string {
  return new Date(Math.floor(d.getTime() / 1000) * 1000 + BEIJING_MS).toISOString().slice(0, 19).replace("T", " ");
}

/** `YYYYMMDD` of the Beijing day (the EBMID's date part). */
export function beijingDay(d: Date): string {
  return beijingTime(d).slice(0, 10).replaceAll("-", "");
}

/** A wire time back to an instant; null when it is not `YYYY-MM-DD HH:MI:SS`. */
export function parseBeijingTime(s: string | undefined): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(s?.trim() ?? "");
  if (!m) return null;
  const t = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) - BEIJING_MS;
  return Number.isNaN(t) ? null : new Date(t);
}
