// The delivery ledger is partitioned by month of the warning's issue (drizzle/0020): every
// insert names its warning's issue time, so all of a warning's rows share one partition.
import { sql } from "drizzle-orm";
import type { Warning } from "../db/queries/warnings.js";

/** A delivery's partition key as SQL: its warning's issue time (now for one not yet issued). */
export const ledgerKey = (w: Pick<Warning, "issuedAt">) =>
  sql`${(w.issuedAt ?? new Date()).toISOString()}::timestamptz`;
