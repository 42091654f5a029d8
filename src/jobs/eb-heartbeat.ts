// ConnectionCheck to every county platform whose interval has passed (each minute: the
// job tick bounds the interval below at 60 s), and platforms silent for k intervals shown
// down. A down platform's open broadcasts fail and its villages' 叫应 chains start in
// the loudspeaker-fallback job, as for offline loudspeakers.
import type { Job } from "./job.js";
import type { Services } from "../services.js";
import {
  checksSent,
  heartbeatsDue,
  markSilentDown,
  platformSeen,
  toPeer,
  type StateChange,
} from "../db/queries/eb-platforms.js";
import { writeAudit, type AuditEntry } from "../db/queries/audit.js";
import { exchange } from "../../channels/eb/exchange.js";
import { connectionCheckPayload } from "../../channels/eb/messages.js";
import { ebdId, EBD_TYPE_HEARTBEAT } from "../../channels/eb/ids.js";
import { parseEbdResponse } from "../../channels/eb/parse.js";
import { errorFields } from "../lib/log.js";

export const stateAudit = (c: StateChange, actor: string): AuditEntry => ({
  actor,
  actorKind: "system",
  action: `eb_platform.${c.after}`,
  subjectType: "eb_platform",
  subjectId: c.id,
  before: { state: c.before },
  after: { state: c.after, reason: c.reason, resourceCode: c.resourceCode },
});

export const ebHeartbeatJob: Job = {
  name: "eb-heartbeat",
  cron: "* * * * *",
  async run(s: Services, at: Date) {
    const ours = s.config.ebResourceCode;
    const due = ours ? await heartbeatsDue(s.db, at) : [];
    const answered: string[] = [];
    await Promise.all(
      due.map(async (p) => {
        try {
          const r = await exchange(
            toPeer(p),
            {
              ebdId: ebdId(ours!, 0, EBD_TYPE_HEARTBEAT),
              type: "ConnectionCheck",
              source: ours!,
              dest: p.resourceCode,
              time: at,
            },
            connectionCheckPayload(at),
          );
          if (r.type === "EBDResponse" && parseEbdResponse(r.payload).code === 1) answered.push(p.id);
        } catch (e) {
          s.log.warn("eb heartbeat unanswered", { platform: p.resourceCode, ...errorFields(e) });
        }
      }),
    );
    return s.db.transaction(async (tx) => {
      await checksSent(
        tx,
        due.map((p) => p.id),
        at,
      );
      const changes: StateChange[] = [];
      for (const id of answered) {
        const c = await platformSeen(tx, id, at);
        if (c) changes.push(c);
      }
      changes.push(...(await markSilentDown(tx, at)));
      await writeAudit(
        tx,
        changes.map((c) => stateAudit(c, "scheduler")),
      );
      return {
        checked: due.length,
        answered: answered.length,
        up: changes.filter((c) => c.after === "up").length,
        down: changes.filter((c) => c.after === "down").length,
      };
    });
  },
};
