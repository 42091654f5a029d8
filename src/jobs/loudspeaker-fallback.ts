// Dead-loudspeaker fallback (DESIGN §8), every minute: a targeted village of a warning in
// force whose loudspeakers cannot play it gets its 叫应 chain at once, asking the primary
// posts to broadcast by hand; its loudspeaker deliveries fail with `device_offline` so the
// coverage report shows the village's loudspeaker as failed.
import type { Job } from "./job.js";
import { lockEscalations, startLoudspeakerFallback } from "../db/queries/escalations.js";
import { writeAudit } from "../db/queries/audit.js";
import { audit, stepFields } from "./escalation.js";
import { wakeDispatchers } from "./wake.js";

export const loudspeakerFallbackJob: Job = {
  name: "loudspeaker-fallback",
  cron: "* * * * *",
  async run(s, at) {
    return s.db.transaction(async (tx) => {
      await lockEscalations(tx);
      const r = await startLoudspeakerFallback(tx, at);
      await writeAudit(
        tx,
        r.villages.map((c) => audit("escalation.device_offline", c.warningId, stepFields(c))),
      );
      await wakeDispatchers(tx, r.villages);
      return {
        villages: r.villages.length,
        devicesFailed: r.devicesFailed,
        messages: r.villages.reduce((n, c) => n + c.messages, 0),
      };
    });
  },
};
