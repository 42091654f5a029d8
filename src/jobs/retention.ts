// The ledger's retention (issue 17): deliveries are kept LEDGER_RETENTION_MONTHS whole
// months after their warning's issue month, then their partition is dropped; the
// warning, its audit trail and its coverage report stay. Also keeps the partitions of
// this month and the next two in place. Idempotent: a second run at the same instant
// finds nothing to drop.
import type { Job } from "./job.js";
import { applyRetention, ensureLedgerPartitions, pruneArchivedPersons } from "../db/queries/ledger.js";
import { writeAudit } from "../db/queries/audit.js";

/** The first instant (UTC) of the month `months` before `at`'s month. */
export function retentionCutoff(at: Date, months: number): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() - months, 1));
}

export const retentionJob: Job = {
  name: "retention",
  cron: "30 3 * * *",
  async run(s, at) {
    const made = await ensureLedgerPartitions(s.db, at, 3);
    const cutoff = retentionCutoff(at, s.config.ledgerRetentionMonths);
    const r = await s.db.transaction(async (tx) => {
      const r = await applyRetention(tx, cutoff, at);
      if (r.dropped.length > 0 || r.defaultRows > 0 || r.archivedWarnings.length > 0) {
        await writeAudit(tx, {
          actor: "retention",
          actorKind: "system",
          action: "ledger.retention",
          subjectType: "ledger",
          subjectId: cutoff.toISOString().slice(0, 7),
          after: { cutoff: cutoff.toISOString(), ...r },
        });
      }
      return r;
    });
    // After the commit: the ledger is no longer locked while these go.
    const personRows = await pruneArchivedPersons(s.db);
    return {
      partitionsMade: made,
      cutoff: cutoff.toISOString(),
      dropped: r.dropped.length,
      kept: r.kept.length,
      defaultRows: r.defaultRows,
      archivedWarnings: r.archivedWarnings.length,
      personRows,
    };
  },
};
