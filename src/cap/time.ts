// CAP 1.2 times: the schema pattern allows no fractional seconds and no `Z`
// (\d\d\d\d-\d\d-\d\dT\d\d:\d\d:\d\d[-,+]\d\d:\d\d). China keeps one offset all year.
import { isStorableInstant } from "../lib/storable.js";

const OFFSET_MS = 8 * 3600_000;

/** `2024-07-01T14:05:09+08:00`: the instant shown in Beijing time, seconds truncated. */
export function formatCapTime(d: Date): string {
  return new Date(d.getTime() + OFFSET_MS).toISOString().slice(0, 19) + "+08:00";
}

const CAP_TIME = /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)?$/;

/** Reads CAP times and the national format's `2020-02-05 10:45:00+08:00`. A time without
 * an offset (seen in national messages) is read as Beijing time. Undefined when it is not
 * one, or lies outside the times we store (INSTANT_RANGE). */
export function parseCapTime(s: string): Date | undefined {
  const m = CAP_TIME.exec(s.trim());
  if (!m) return undefined;
  const d = new Date(`${m[1]}T${m[2]}${m[3] ?? ""}${m[4] ?? "+08:00"}`);
  return Number.isNaN(d.getTime()) || !isStorableInstant(d) ? undefined : d;
}
