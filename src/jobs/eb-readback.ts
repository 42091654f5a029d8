// Reads back what county platforms did with our broadcasts: an EBMStateRequest for each
// accepted broadcast until it reports 3 (played), 4 (failed) or 5 (cancelled), or its
// warning ends. Platforms that push EBMStateResponse to /eb/access get there sooner.
import type { Job } from "./job.js";
import type { Services } from "../services.js";
import { nextEbdId, openBroadcasts } from "../db/queries/eb-broadcasts.js";
import { getPlatform, platformSeen, toPeer } from "../db/queries/eb-platforms.js";
import { writeAudit } from "../db/queries/audit.js";
import { applyEbStates } from "../dispatch/eb-states.js";
import { exchange } from "../../channels/eb/exchange.js";
import { stateRequestPayload } from "../../channels/eb/messages.js";
import { parseStateResponse, type StateReport } from "../../channels/eb/parse.js";
import { errorFields } from "../lib/log.js";
import { stateAudit } from "./eb-heartbeat.js";

export const ebReadbackJob: Job = {
  name: "eb-readback",
  cron: "* * * * *",
  async run(s: Services, at: Date) {
    const ours = s.config.ebResourceCode;
    if (!ours) return { polled: 0, applied: 0 };
    const open = await openBroadcasts(s.db, at);
    const byPlatform = new Map<string, typeof open>();
    for (const b of open) byPlatform.set(b.platformId, [...(byPlatform.get(b.platformId) ?? []), b]);
    let polled = 0;
    let applied = 0;
    // Platforms in parallel, one query at a time to each: a county platform is small.
    await Promise.all(
      [...byPlatform].map(async ([platformId, list]) => {
        const p = await getPlatform(s.db, platformId);
        if (!p) return;
        const reports: StateReport[] = [];
        for (const b of list) {
          try {
            const r = await exchange(
              toPeer(p),
              {
                ebdId: await nextEbdId(s.db, ours),
                type: "EBMStateRequest",
                source: ours,
                dest: p.resourceCode,
                time: at,
              },
              stateRequestPayload(b.ebmId),
            );
            polled++;
            if (r.type === "EBMStateResponse") reports.push(parseStateResponse(r.payload, p.options));
          } catch (e) {
            s.log.warn("eb state request failed", { platform: p.resourceCode, ebmId: b.ebmId, ...errorFields(e) });
          }
        }
        if (reports.length === 0) return;
        await s.db.transaction(async (tx) => {
          const r = await applyEbStates(tx, p, reports, at, { actor: "scheduler", actorKind: "system" });
          applied += r.applied;
          const seen = await platformSeen(tx, p.id, at);
          if (seen) await writeAudit(tx, stateAudit(seen, "scheduler"));
        });
      }),
    );
    return { polled, applied };
  },
};
