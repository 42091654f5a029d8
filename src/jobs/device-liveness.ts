// Device liveness across instances, every minute. Each hub marks its own silent devices
// offline (60 s without a frame) and refreshes last_seen of live ones every heartbeat
// round; but a hub that crashed, or lost its database connection, leaves its devices
// marked online for ever, and the fallback would trust them. This sweep marks any device
// still "online" with no sign of life for 3 minutes offline.
import { sql } from "drizzle-orm";
import type { Job } from "./job.js";
import { writeAudit } from "../db/queries/audit.js";

export const STALE_AFTER_MS = 3 * 60_000;

export const deviceLivenessJob: Job = {
  name: "device-liveness",
  cron: "* * * * *",
  async run(s, at) {
    return s.db.transaction(async (tx) => {
      const rows = await tx.execute<{ id: string; last_seen: string | Date | null }>(sql`
        update devices set online = false, updated_at = now()
        where online and revoked_at is null
          and coalesce(last_seen, '-infinity') < ${at.toISOString()}::timestamptz - ${STALE_AFTER_MS} * interval '1 millisecond'
        returning id, last_seen`);
      await writeAudit(
        tx,
        rows.map((r) => ({
          actor: "scheduler",
          actorKind: "system" as const,
          action: "device.offline",
          subjectType: "device",
          subjectId: r.id,
          before: { online: true },
          after: {
            online: false,
            reason: "stale",
            lastSeen: r.last_seen === null ? null : new Date(r.last_seen).toISOString(),
          },
        })),
      );
      return { markedOffline: rows.length };
    });
  },
};
