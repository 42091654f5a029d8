import { z } from "zod";
import { defineOperation } from "../operation.js";
import { ackDeadlines, nextStepDue, stepName } from "../../domain/escalation.js";
import { escalationsOf, type EscalationChainRow } from "../../db/queries/escalation-view.js";
import { decodeCursor, limitParam, page } from "../pagination.js";
import { ctx } from "../context.js";
import { loadWarning } from "../../warnings/load.js";
import { inForce as isInForce } from "../../warnings/lifecycle.js";

const query = z.strictObject({ cursor: z.string().optional(), limit: limitParam });

export default defineOperation({
  method: "get",
  path: "/api/v1/warnings/:id/escalations",
  summary:
    "叫应 per targeted village: the chain's step (primary → backup → township → county), why it runs, when the next step is due, and every message with who, when and status",
  tag: "coverage",
  auth: "apiKey",
  permission: "read",
  query,
  success: [
    200,
    "{ items: [{ villageCode, villageName, reason, step, stepName, startedAt, stepAt, acknowledgedAt, nextStepDueAt, messages[] }], nextCursor, deadlineMinutes }",
  ],
  handler: async (c, req) => {
    const { s, actor } = ctx(c);
    const q = req.query;
    const w = await loadWarning(s.db, actor, c.req.param("id")!);
    const deadline = ackDeadlines(s.policy)[w.level];
    const inForce = isInForce(w, s.now());
    const rows = await escalationsOf(s.db, w.id, { afterVillage: decodeCursor(q.cursor, z.string()), limit: q.limit });
    const dto = (r: EscalationChainRow) => ({
      villageCode: r.villageCode,
      villageName: r.villageName,
      reason: r.reason,
      step: r.step,
      stepName: stepName(r.step),
      startedAt: r.startedAt.toISOString(),
      stepAt: r.stepAt.toISOString(),
      acknowledgedAt: r.acknowledgedAt?.toISOString() ?? null,
      nextStepDueAt: nextStepDue(r, deadline, inForce)?.toISOString() ?? null,
      messages: r.messages.map((m) => ({ ...m, stepName: stepName(m.step) })),
    });
    return c.json({ ...page(rows.map(dto), q.limit, (r) => r.villageCode), deadlineMinutes: deadline });
  },
});
