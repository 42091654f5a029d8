// Expiry, every minute: warnings past `expires` (issued, or approved and never sent)
// become `expired`; their queued deliveries expire; device hubs are told so loudspeakers
// and displays get `stop`. The dispatcher also expires rows of ended warnings as it meets
// them; this job is what moves the warning itself and tells the devices.
import { sql } from "drizzle-orm";
import type { Job } from "./job.js";
import { expireEndedInBatches } from "../deliveries/claims.js";
import { writeAudit } from "../db/queries/audit.js";
import { notifyWarningEnded } from "../hub/notify.js";
import { fromStatesSql, TRANSITIONS } from "../warnings/lifecycle.js";

export const expiryJob: Job = {
  name: "expiry",
  cron: "* * * * *",
  async run(s, at) {
    const t = at.toISOString();
    const ended = await s.db.transaction(async (tx) => {
      const ended = await tx.execute<{ id: string; before: string }>(sql`
        with due as (
          select id, status from warnings where status in ${fromStatesSql("expire")} and expires <= ${t}::timestamptz
          order by id for update skip locked
        )
        update warnings w set status = ${TRANSITIONS.expire.to}, ended_at = ${t}::timestamptz, updated_at = now()
        from due where w.id = due.id
        returning w.id, due.status::text as before`);
      const ids = ended.map((w) => w.id);
      await writeAudit(
        tx,
        ended.map((w) => ({
          actor: "scheduler",
          actorKind: "system" as const,
          action: "warning.expired",
          subjectType: "warning",
          subjectId: w.id,
          before: { status: w.before },
          after: { status: TRANSITIONS.expire.to },
        })),
      );
      // NOTIFY is delivered at commit: hubs never stop devices for a change that rolled back.
      for (const id of ids) await notifyWarningEnded(tx, id);
      return ids;
    });
    // Their queues after the commit, a batch a statement: a slow pace can leave a city's
    // worth queued, and one statement for all of it held the ledger for a minute. Rows
    // this leaves (a crash) are the dispatcher's maintenance's, which expires the same.
    const deliveries = ended.length > 0 ? await expireEndedInBatches(s.db, at, { warningIds: ended }) : 0;
    return { expired: ended.length, deliveriesExpired: deliveries };
  },
};
