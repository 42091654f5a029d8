/** 0.9349 → "93.4%" (rounded down: a rate never shows as meeting a target it missed). */
export const percent = (r: number | null | undefined) => (r === null || r === undefined ? "—" : `${(Math.floor(r * 1000) / 10).toFixed(1)}%`);
