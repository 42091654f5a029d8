// 叫应 escalation (DESIGN §8), every minute: chains stop on a confirmation, start for
// newly issued warnings, and move one step on when their deadline (policy
// ackDeadlineMinutes, per level) has passed. The messages are delivery rows the
// dispatcher sends like any other.
import type { Job } from "./job.js";
import type { Services } from "../services.js";
import { ackDeadlines, stepName } from "../domain/escalation.js";
import {
  advanceChains,
  lockEscalations,
  startChains,
  stopAcknowledged,
  type ChainStep,
} from "../db/queries/escalations.js";
import { writeAudit, type AuditEntry } from "../db/queries/audit.js";
import { wakeDispatchers } from "./wake.js";

export const escalationJob: Job = {
  name: "escalation",
  cron: "* * * * *",
  async run(s: Services, at: Date) {
    const deadlines = ackDeadlines(s.policy);
    return s.db.transaction(async (tx) => {
      await lockEscalations(tx);
      const stopped = await stopAcknowledged(tx, at);
      const started = await startChains(tx, at, deadlines);
      const advanced = await advanceChains(tx, at, deadlines);
      await writeAudit(tx, [
        ...stopped.map((c) =>
          audit("escalation.acknowledged", c.warningId, {
            villageCode: c.villageCode,
            step: c.step,
            acknowledgedAt: c.acknowledgedAt.toISOString(),
          }),
        ),
        ...startedPerWarning(started),
        ...advanced.map((c) => audit("escalation.step", c.warningId, stepFields(c))),
      ]);
      const messages = [...started, ...advanced].reduce((n, c) => n + c.messages, 0);
      await wakeDispatchers(tx, [...started, ...advanced]);
      return { stopped: stopped.length, started: started.length, advanced: advanced.length, messages };
    });
  },
};

export const stepFields = (c: ChainStep & { messages: number }) => ({
  villageCode: c.villageCode,
  step: c.step,
  stepName: stepName(c.step),
  reason: c.reason,
  messages: c.messages,
});

export function audit(action: string, warningId: string, after: Record<string, unknown>): AuditEntry {
  return { actor: "system", actorKind: "system", action, subjectType: "warning", subjectId: warningId, after };
}

/** A warning's chains start together (one per village): one audit row per warning. */
function startedPerWarning(started: (ChainStep & { messages: number })[]): AuditEntry[] {
  const by = new Map<string, { villages: number; messages: number }>();
  for (const c of started) {
    const e = by.get(c.warningId) ?? { villages: 0, messages: 0 };
    e.villages++;
    e.messages += c.messages;
    by.set(c.warningId, e);
  }
  return [...by].map(([id, e]) => audit("escalation.start", id, e));
}
