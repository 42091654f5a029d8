/** 0.9349 → "93.4%" (rounded down: a rate never shows as meeting a target it missed). */
export const percent = (r: number | null | undefined) =>
  r === null || r === undefined ? "—" : `${(Math.floor(r * 1000) / 10).toFixed(1)}%`;

// Beijing time has had no DST since 1991: a fixed +08:00 shift is exact and needs no ICU data.
const shifted = (iso: string) => new Date(new Date(iso).getTime() + 8 * 3600_000).toISOString();

/** "2026-05-03 14:05", 24-hour Beijing time, the same in every browser locale. */
export const beijing = (iso: string | null | undefined) => (iso ? shifted(iso).slice(0, 16).replace("T", " ") : "—");

/** "14:05:09", 24-hour Beijing time. */
export const beijingClock = (iso: string | null | undefined) => (iso ? shifted(iso).slice(11, 19) : "—");

/** 14951 → "14,951". */
export const count = (n: number | null | undefined) =>
  n === null || n === undefined ? "—" : n.toLocaleString("en-US");
