// From what staff wrote to what is stored: defaults for headline and channels.
import type { Grading, Policy } from "../../config/grading.js";
import { MSG_TYPES, type MsgType, type WarningType } from "../vocabulary.js";
import type { WarningInput } from "./input.js";
import { effectiveChannels } from "./rules.js";

type Graded = Pick<WarningInput, "type" | "level">;

// National practice names what the message does: 发布 a warning, 更新 it, 解除 it.
const VERB: Record<MsgType, string> = { Alert: "发布", Update: "更新", Cancel: "解除" };

/** National practice: 赤峰市气象台发布暴雨橙色预警 (更新… for an Update, 解除… for a Cancel). */
export function defaultHeadline(g: Grading, senderName: string, w: Graded, msgType: MsgType = "Alert"): string {
  return `${senderName}${VERB[msgType]}${g.types[w.type as WarningType].zh}${g.levels[w.level].zh}预警`;
}

/** A headline we derived (for any of `of`, any verb) rather than one the issuer wrote: the
 * update form carries the old one over, and a red headline must not ride on an orange Update. */
export function isDerivedHeadline(g: Grading, senderName: string, headline: string, ...of: Graded[]): boolean {
  return of.some((w) => MSG_TYPES.some((m) => defaultHeadline(g, senderName, w, m) === headline));
}

export function storedFields(
  input: WarningInput,
  g: Grading,
  p: Policy,
  senderName: string,
  /** The message being written, and for an Update or edit the version it starts from. */
  of: { msgType?: MsgType; previous?: Graded } = {},
) {
  const from = of.previous ? [input, of.previous] : [input];
  const derived = !input.headline || isDerivedHeadline(g, senderName, input.headline, ...from);
  return {
    type: input.type,
    level: input.level,
    headline: derived ? defaultHeadline(g, senderName, input, of.msgType) : input.headline!,
    description: input.description,
    instruction: input.instruction ?? "",
    areaCodes: input.areas.codes,
    polygons: input.areas.polygons ?? null,
    audiences: [...new Set(input.audiences)],
    channels: effectiveChannels(p, input.level, input.channels),
    onset: input.onset ?? null,
    expires: input.expires,
    sendAt: input.sendAt ?? null,
    urgency: input.urgency ?? "Expected",
    certainty: input.certainty ?? "Likely",
    note: input.note ?? null,
  };
}
