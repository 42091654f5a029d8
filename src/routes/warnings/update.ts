import { defineOperation } from "../operation.js";
import { readJson } from "../../http/body.js";
import { warningInput } from "../../domain/warnings/input.js";
import { requirePermission, requireScope } from "../../domain/actor.js";
import { storedFields } from "../../domain/warnings/fields.js";
import { assertNotCancelMessage, assertTransition } from "../../domain/warnings/lifecycle.js";
import { isDirectIssue } from "../../config/grading.js";
import { writeAudit } from "../../db/queries/audit.js";
import { ctx, loadWarning, validateWarning } from "./load.js";
import { newVersion } from "./version.js";
import { releaseApproved } from "./release.js";
import { warningDto } from "./dto.js";
import { assertSmsBudget } from "../../templates/preview.js";
import { requireAgencyType } from "../../domain/agency.js";

export default defineOperation({
  method: "post",
  path: "/api/v1/warnings/:id/update",
  summary: "Supersede an issued warning with an Update version (same approval rule as issue)",
  tag: "warnings",
  auth: "apiKey",
  body: warningInput,
  success: [201, "the new version (pending, or issued where policy allows direct issue)"],
  handler: async (c) => {
    const { s, actor, requestId } = ctx(c);
    requirePermission(actor, "warning.write");
    const input = await readJson(c, warningInput);
    requireScope(actor, input.areas.codes);
    requireAgencyType(actor.agency, input.type);
    const w = await s.db.transaction(async (tx) => {
      const source = await loadWarning(tx, actor, c.req.param("id")!, { forUpdate: true });
      assertNotCancelMessage(source);
      assertTransition("update", source.status, source.id);
      await validateWarning(tx, s, input);
      const now = s.now();
      const row = await newVersion(tx, source, {
        ...storedFields(input, s.grading, s.policy, source.senderName),
        msgType: "Update",
        status: "pending",
        submittedAt: now,
        createdBy: actor.id,
      }, now);
      await assertSmsBudget(s, row);
      await writeAudit(tx, { actor: actor.id, actorKind: "user", action: "warning.update", subjectType: "warning", subjectId: row.id, before: { supersedes: source.id }, after: warningDto(row), requestId });
      if (!isDirectIssue(s.policy, row.type, row.level)) return row;
      return releaseApproved(tx, row, { now, actor: actor.id, requestId, approvedBy: null });
    });
    return c.json(warningDto(w), 201);
  },
});
