// A Cancel of a warning we never held (an aggregator joining a feed mid-stream, or the
// Alert lost on the way) starts a new thread of its own, references kept, and does nothing
// else. It is stored born ended (`cancelled`, no channels, never issued), not as a draft:
// a draft can be given areas, approved and issued, and an issued Cancel sends an all-clear
// and stops loudspeakers for a warning that never existed here; an Alert draft would be
// worse, sending the Cancel's words as a new warning. Nothing starts from `cancelled`, it
// is never planned nor in the feed, and a later message of the same upstream thread finds
// it and is refused like any Update or Cancel of a thread that ended in a Cancel.
import { requireScope } from "../../domain/actor.js";
import { allowedLevels } from "../../config/grading.js";
import { newIdentifier } from "../../domain/warnings/identifier.js";
import { existingCodes } from "../../db/queries/areas.js";
import { insertWarning } from "../../db/queries/warnings.js";
import { writeAudit } from "../../db/queries/audit.js";
import { baseReport, candidateCodes, chooseInfo, mapImport } from "../../cap/from-cap.js";
import { TRANSITIONS } from "../lifecycle.js";
import { provenance, type ImportContext, type Imported } from "./context.js";

export async function recordCancel(x: ImportContext): Promise<Imported> {
  const { alert } = x.msg;
  const { info, ignored } = chooseInfo(x.msg);
  const known = info ? await existingCodes(x.tx, candidateCodes(info)) : new Set<string>();
  const mapped = info ? mapImport(x.msg, info, x.s.grading, known) : undefined;
  const input = mapped?.input;
  requireScope(x.actor, input?.areas.codes ?? []);
  const report = { ...(mapped?.report ?? baseReport(x.msg, undefined)), action: "record" as const };
  report.ignored.unshift(...ignored);
  report.unresolvedReferences = alert.references;
  const now = x.s.now();
  const upstream = x.msg.senderName ?? info?.senderName ?? alert.sender;
  const refs = alert.references.map((r) => r.identifier).join("、") || "（未注明）";
  const note = `导入自 ${alert.sender} ${alert.identifier}：所解除的预警 ${refs} 本系统未收到，仅存档，不向公众发布。`;
  const id = crypto.randomUUID();
  const warning = await insertWarning(x.tx, {
    id,
    threadId: id,
    identifier: newIdentifier(x.s.config.sender, now),
    sender: x.s.config.sender,
    senderName: x.s.config.senderName,
    createdBy: x.actor.id,
    msgType: "Cancel",
    status: TRANSITIONS.record.to,
    endedAt: now,
    type: input?.type ?? "other",
    level: input?.level ?? allowedLevels(x.s.grading, "other")[0]!,
    urgency: "Past",
    certainty: input?.certainty ?? "Unknown",
    headline: (input?.headline ?? `${upstream}解除预警（原预警本系统未收到）`).slice(0, 160),
    description: input?.description ?? alert.note ?? note,
    instruction: "",
    areaCodes: input?.areas.codes ?? [],
    polygons: input?.areas.polygons ?? null,
    audiences: input?.audiences ?? ["public"],
    // Nothing to send, whatever path might ever reach the planner.
    channels: [],
    expires: input?.expires ?? now,
    note: note.slice(0, 1000),
    source: provenance(x.msg, x.raw),
  });
  await writeAudit(x.tx, {
    actor: x.actor.id, actorKind: "user", action: "warning.import", subjectType: "warning", subjectId: id,
    after: { status: warning.status, report }, requestId: x.requestId,
  });
  return { warning, report };
}
