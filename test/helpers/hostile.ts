// The hostile-input corpus: values that must be refused wherever text, numbers or times
// enter, and a probe that records any answer other than a 4xx problem. Tests collect the
// failures and assert them once, so a passing run prints nothing.
import { createLogger, type Logger } from "../../src/lib/log.js";

export const NUL = "\u0000";
export const LONE_SURROGATE = "\ud800";

/** Times zod's ISO check accepts but Postgres cannot store or JavaScript cannot print. */
export const UNSTORABLE_TIMES = ["0000-01-01T00:00:00Z", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"];

/** Path parameter values that name nothing (percent-encoded as they travel). */
export const HOSTILE_IDS = [
  "%00",
  "x%00",
  "%00%00",
  "not-an-id",
  "-1",
  "0",
  "1e400",
  "99999999999999999999999999",
  "9".repeat(3000),
  "%E0%A4%A",
  "%ED%A0%80",
  "%C0%80",
  "..%2F..%2Fetc",
  "'%20or%201=1--",
  "null",
  "%F0%9F%92%A9",
  "00000000-0000-0000-0000-000000000000",
];

export interface Failures {
  list: string[];
  sent: number;
  /** Errors the app logged (a 500 logs its cause). */
  logged: string[];
  log: Logger;
}

export function failures(): Failures {
  const f: Failures = {
    list: [],
    sent: 0,
    logged: [],
    log: createLogger({ level: "error", write: (line) => f.logged.push(line.slice(0, 600)) }),
  };
  return f;
}

export interface ProblemCheck {
  /** Exact status wanted; default any 4xx. */
  status?: number;
  /** A field error with this path must be in `errors` (the field is named). */
  field?: string;
}

/** Records a failure unless `res` is a 4xx problem+json (matching `want`). */
export async function expectProblem(
  f: Failures,
  label: string,
  res: Response,
  want: ProblemCheck = {},
): Promise<Record<string, any> | null> {
  f.sent++;
  const text = await res.text();
  let body: Record<string, any> | null = null;
  try {
    body = JSON.parse(text) as Record<string, any>;
  } catch {
    body = null;
  }
  const type = res.headers.get("content-type") ?? "";
  const problems: string[] = [];
  if (res.status < 400 || res.status > 499) problems.push(`status ${res.status}`);
  if (want.status !== undefined && res.status !== want.status) problems.push(`wanted ${want.status}`);
  if (!type.startsWith("application/problem+json")) problems.push(`content-type ${type}`);
  const isProblem = body?.status === res.status && typeof body.code === "string" && typeof body.detail === "string";
  if (!isProblem) problems.push("not a problem body");
  if (want.field !== undefined && !(body?.errors ?? []).some((e: { path?: string }) => e.path === want.field)) {
    problems.push(`no field error at ${JSON.stringify(want.field)}`);
  }
  if (problems.length > 0) {
    const logged = f.logged.splice(0).join(" / ");
    f.list.push(`${label}: ${problems.join(", ")}: ${text.slice(0, 300)}${logged ? ` [log: ${logged}]` : ""}`);
  }
  return body;
}

/** Leaves of a JSON value: [path segments, value] for every string, number and boolean. */
export function leaves(v: unknown, path: (string | number)[] = []): [(string | number)[], unknown][] {
  if (Array.isArray(v)) return v.flatMap((x, i) => leaves(x, [...path, i]));
  if (v !== null && typeof v === "object") return Object.entries(v).flatMap(([k, x]) => leaves(x, [...path, k]));
  return [[path, v]];
}

/** A deep copy of `v` with the leaf at `path` replaced. */
export function replaceAt(v: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (Array.isArray(v)) return v.map((x, i) => (i === head ? replaceAt(x, rest, value) : x));
  const o = v as Record<string, unknown>;
  return { ...o, [head!]: replaceAt(o[head!], rest, value) };
}

interface JsonSchema {
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema | false;
  prefixItems?: JsonSchema[];
  anyOf?: JsonSchema[];
  enum?: unknown[];
  format?: string;
  type?: string;
}

/** The JSON Schema (as /openapi.json publishes it) of the value at `path`. */
export function schemaAt(s: JsonSchema | undefined, path: (string | number)[]): JsonSchema | undefined {
  if (!s || path.length === 0) return s;
  const [head, ...rest] = path;
  if (s.anyOf) return s.anyOf.map((x) => schemaAt(x, path)).find(Boolean);
  if (typeof head === "number") return schemaAt(s.prefixItems?.[head] ?? (s.items || undefined), rest);
  return schemaAt(s.properties?.[head!], rest);
}

/** Replacements for one leaf that no schema should accept, given what the leaf is. */
export interface LeafValue {
  what: string;
  value: unknown;
  /** The refusal must name the field (NUL, unpaired surrogate). */
  named?: boolean;
}

export function hostileLeafValues(value: unknown, schema: JsonSchema | undefined): LeafValue[] {
  const out: LeafValue[] = [];
  if (typeof value === "string") {
    out.push(
      { what: "NUL alone", value: NUL, named: true },
      { what: "NUL after the value", value: `${value}${NUL}`, named: true },
      { what: "NUL inside the value", value: `${value.slice(0, 1)}${NUL}${value.slice(1)}`, named: true },
      { what: "a lone surrogate", value: `${value}${LONE_SURROGATE}`, named: true },
      { what: "a number", value: 12345 },
      { what: "a boolean", value: true },
      { what: "null", value: null },
      { what: "an object", value: { value } },
      { what: "an array", value: [value] },
      { what: "100,000 characters", value: "x".repeat(100_000) },
    );
    if (schema?.enum) {
      out.push({ what: "an unknown enum value", value: "not_a_value" });
      out.push({ what: "a near miss", value: `${value}`.toUpperCase() + "X" });
    }
    if (schema?.format === "date-time") {
      const times = [...UNSTORABLE_TIMES, "2024-02-30T00:00:00Z", "yesterday"];
      out.push(...times.map((t) => ({ what: `time ${t}`, value: t })));
    }
  } else if (typeof value === "number") {
    out.push(
      { what: "1e308", value: 1e308 },
      { what: "-1e308", value: -1e308 },
      { what: "an unsafe integer", value: 2 ** 63 },
      { what: "a numeric string", value: String(value) },
      { what: "null", value: null },
      { what: "an array", value: [value] },
    );
  } else if (typeof value === "boolean") {
    out.push({ what: "a string", value: String(value) }, { what: "a number", value: 1 }, { what: "null", value: null });
  }
  return out;
}
