// A Cancel of a warning we never held (an aggregator joining a feed mid-stream, or the
// Alert lost on the way) starts a new thread of its own, references kept, and does nothing
// else. It is stored born ended (`cancelled`, no channels, never issued), not as a draft:
// a draft can be given areas, approved and issued, and an issued Cancel sends an all-clear
// and stops loudspeakers for a warning that never existed here; an Alert draft would be
// worse, sending the Cancel's words as a new warning. Nothing starts from `cancelled`, it
// is never planned nor in the feed, and a later message of the same upstream thread finds
// it and is refused like any Update or Cancel of a thread that ended in a Cancel.
// The same holds for a thread we imported but never sent (joined mid-stream at an Update,
// still a draft or awaiting approval): the Cancel is recorded as its last version and the
// open version ends, so no one issues a warning its source has withdrawn.
import { requireScope } from "../../domain/actor.js";
import { allowedLevels } from "../../config/grading.js";
import { newIdentifier } from "../../domain/warnings/identifier.js";
import { existingCodes } from "../../db/queries/areas.js";
import { insertWarning, updateWarning, type Warning } from "../../db/queries/warnings.js";
import { writeAudit } from "../../db/queries/audit.js";
import { baseReport, candidateCodes, chooseInfo, mapImport } from "../../cap/from-cap.js";
import { assertTransition, TRANSITIONS } from "../lifecycle.js";
import { newVersion } from "../version.js";
import { provenance, type ImportContext, type Imported } from "./context.js";

/** Records the Cancel as a new thread, or as the last version of `open`, an imported thread
 * that never went out (locked by the caller), which it ends. */
export async function recordCancel(x: ImportContext, open?: Warning): Promise<Imported> {
  const { alert } = x.msg;
  const { info, ignored } = chooseInfo(x.msg);
  const known = info ? await existingCodes(x.tx, candidateCodes(info)) : new Set<string>();
  const mapped = info ? mapImport(x.msg, info, x.s.grading, known) : undefined;
  const input = mapped?.input;
  requireScope(x.actor, input?.areas.codes ?? []);
  if (open) assertTransition("withdraw", open.status, open.id);
  const report = { ...(mapped?.report ?? baseReport(x.msg, undefined)), action: "record" as const };
  report.ignored.unshift(...ignored);
  if (!open) report.unresolvedReferences = alert.references;
  const now = x.s.now();
  const upstream = x.msg.senderName ?? info?.senderName ?? alert.sender;
  const refs = alert.references.map((r) => r.identifier).join("、") || "（未注明）";
  const note = open
    ? `导入自 ${alert.sender} ${alert.identifier}：上游已解除，本系统未发布过该预警，草稿终止，仅存档。`
    : `导入自 ${alert.sender} ${alert.identifier}：所解除的预警 ${refs} 本系统未收到，仅存档，不向公众发布。`;
  const fields = {
    createdBy: x.actor.id,
    msgType: "Cancel" as const,
    status: TRANSITIONS.record.to,
    endedAt: now,
    type: input?.type ?? open?.type ?? "other",
    level: input?.level ?? open?.level ?? allowedLevels(x.s.grading, "other")[0]!,
    urgency: "Past",
    certainty: input?.certainty ?? "Unknown",
    headline: (input?.headline ?? `${upstream}解除预警（原预警本系统未收到）`).slice(0, 160),
    description: input?.description ?? alert.note ?? note,
    instruction: "",
    areaCodes: input?.areas.codes ?? open?.areaCodes ?? [],
    polygons: input?.areas.polygons ?? open?.polygons ?? null,
    audiences: input?.audiences ?? ["public"],
    // Nothing to send, whatever path might ever reach the planner.
    channels: [],
    expires: input?.expires ?? now,
    note: note.slice(0, 1000),
    source: provenance(x.msg, x.raw),
  };
  const id = crypto.randomUUID();
  const warning = open
    ? await newVersion(x.tx, open, fields, now)
    : await insertWarning(x.tx, {
        ...fields,
        id,
        threadId: id,
        identifier: newIdentifier(x.s.config.sender, now),
        sender: x.s.config.sender,
        senderName: x.s.config.senderName,
      });
  const who = { actor: x.actor.id, actorKind: "user", subjectType: "warning", requestId: x.requestId } as const;
  if (open) {
    await updateWarning(x.tx, open.id, { status: TRANSITIONS.withdraw.to, endedAt: now });
    await writeAudit(x.tx, {
      ...who,
      action: "warning.withdrawn",
      subjectId: open.id,
      before: { status: open.status },
      after: { status: TRANSITIONS.withdraw.to, by: warning.id },
    });
  }
  await writeAudit(x.tx, {
    ...who,
    action: "warning.import",
    subjectId: warning.id,
    after: { status: warning.status, report },
  });
  return { warning, report };
}
