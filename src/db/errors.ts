// Postgres error codes, as a statement's failure carries them. drizzle (0.44 on) wraps the
// driver's error in a DrizzleQueryError whose `cause` holds the code; a query sent through
// postgres.js directly throws the driver's own.

/** unique_violation: another row already holds the key. */
export const UNIQUE_VIOLATION = "23505";

/** Postgres rolled the transaction back to break a conflict with another one (a deadlock,
 * a serialization failure, a lock it could not get): nothing of it was written, and the
 * same request sent again may succeed. */
const ABORTED_FOR_ANOTHER = new Set(["40P01", "40001", "55P03"]);

export const abortedForAnother = (e: unknown): boolean => ABORTED_FOR_ANOTHER.has(pgErrorCode(e) ?? "");

/** The SQLSTATE of a failed statement, wrapped or not; undefined for any other error. */
export function pgErrorCode(e: unknown): string | undefined {
  for (
    let x: unknown = e, depth = 0;
    x && typeof x === "object" && depth < 3;
    x = (x as { cause?: unknown }).cause, depth++
  ) {
    const code = (x as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}
