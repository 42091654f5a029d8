import { sql, type SQL } from "drizzle-orm";

/** A batch of rows as ONE jsonb parameter, for `jsonb_to_recordset(…) as o(col type, …)`.
 * postgres.js serialises a null inside a text[] parameter as the string "NULL", so
 * batches never travel as parallel arrays. */
export const jsonRows = (rows: Record<string, unknown>[]): SQL => sql`${JSON.stringify(rows)}::jsonb`;
