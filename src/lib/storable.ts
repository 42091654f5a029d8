// What Postgres can store, checked where input enters (JSON and form bodies, path and
// query parameters, CSV cells, device frames; XML has its own, stricter rule) so a value
// it would refuse is a 4xx naming the field, not a 500 from the statement. `text` and
// `jsonb` refuse U+0000; `jsonb` also refuses an unpaired surrogate (and `text` would
// silently store it as U+FFFD); timestamptz cannot read what toISOString() writes for
// years outside 0001–9999.
import { z } from "zod";
import type { FieldError } from "./errors.js";

const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `s` cannot be stored as text, or undefined when it can. */
export function textProblem(s: string): string | undefined {
  if (s.includes("\u0000")) return "must not contain the NUL character (U+0000)";
  if (UNPAIRED_SURROGATE.test(s)) return "must be well-formed Unicode (it has an unpaired surrogate)";
  return undefined;
}

interface Node {
  value: unknown;
  key: string | undefined;
  parent: Node | undefined;
}

function pathOf(n: Node | undefined): string[] {
  const keys: string[] = [];
  for (let x = n; x; x = x.parent) if (x.key !== undefined) keys.push(x.key);
  return keys.reverse();
}

/** The first string, value or property name, in `value` that cannot be stored, as a field
 * error at its dotted path (`areas.codes.0`, prefixed with `root`). Iterative, with the
 * path built only for the culprit: a 1 MB body can nest deeper than the stack. */
export function unstorableField(value: unknown, root?: string): FieldError | undefined {
  const stack: Node[] = [{ value, key: root, parent: undefined }];
  const fail = (n: Node, message: string): FieldError => ({
    path: pathOf(n).join(".") || "(body)",
    message,
    code: "unstorable_text",
  });
  const flat = flatStrings(value);
  if (flat) {
    // A flat record of strings (a CSV line, a form): checked in place, in the order the
    // walk below would take, without a node per value (a 1M-line import made 3M of them).
    const top: Node = { value, key: root, parent: undefined };
    for (const [k] of flat) {
      const problem = textProblem(k);
      if (problem) return fail({ value: k, key: k, parent: top }, `the name ${problem}`);
    }
    for (const [k, v] of flat) {
      const problem = textProblem(v);
      if (problem) return fail({ value: v, key: k, parent: top }, problem);
    }
    return undefined;
  }
  while (stack.length > 0) {
    const n = stack.pop()!;
    const v = n.value;
    if (typeof v === "string") {
      const problem = textProblem(v);
      if (problem) return fail(n, problem);
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], key: String(i), parent: n });
    } else if (v !== null && typeof v === "object") {
      const entries = Object.entries(v);
      for (const [k] of entries) {
        const problem = textProblem(k);
        if (problem) return fail({ value: k, key: k, parent: n }, `the name ${problem}`);
      }
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, value] = entries[i]!;
        stack.push({ value, key, parent: n });
      }
    }
  }
  return undefined;
}

/** The entries of a plain object whose every value is a string, else null. */
function flatStrings(v: unknown): [string, string][] | null {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return null;
  const entries = Object.entries(v);
  for (const [, x] of entries) if (typeof x !== "string") return null;
  return entries as [string, string][];
}

// Round years, far from the limits: a time derived from an input (24 h after onset, a
// day before `to`) stays storable too.
const FIRST_INSTANT = Date.UTC(1900, 0, 1);
const END_INSTANT = Date.UTC(9000, 0, 1);
export const INSTANT_RANGE = "between 1900-01-01 and 9000-01-01 (UTC)";

export const isStorableInstant = (d: Date): boolean => d.getTime() >= FIRST_INSTANT && d.getTime() < END_INSTANT;

/** An ISO 8601 date-time string (with offset unless `offset: false`) within INSTANT_RANGE. */
export const isoInstant = (opts: { offset?: boolean } = { offset: true }) =>
  z.iso.datetime(opts).refine((s) => isStorableInstant(new Date(s)), `must be ${INSTANT_RANGE}`);
