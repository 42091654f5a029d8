import { randomId } from "../../lib/crypto.js";

/** CAP identifier: no spaces, commas, `<` or `&` (CAP 1.2 §3.2.1). Sortable by time. */
export function newIdentifier(sender: string, now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `${sender}.${stamp}.${randomId(4)}`;
}

export const isCapSafe = (s: string) => s.length > 0 && !/[\s,<&]/.test(s);
