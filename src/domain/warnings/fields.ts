// From what staff wrote to what is stored: defaults for headline and channels.
import type { Grading, Policy } from "../../config/grading.js";
import type { WarningType } from "../vocabulary.js";
import type { WarningInput } from "./input.js";
import { effectiveChannels } from "./rules.js";

/** National practice: 赤峰市气象台发布暴雨橙色预警. */
export function defaultHeadline(g: Grading, senderName: string, w: Pick<WarningInput, "type" | "level">, cancel = false): string {
  const t = g.types[w.type as WarningType].zh;
  const l = g.levels[w.level].zh;
  return cancel ? `${senderName}解除${t}${l}预警` : `${senderName}发布${t}${l}预警`;
}

export function storedFields(input: WarningInput, g: Grading, p: Policy, senderName: string) {
  return {
    type: input.type,
    level: input.level,
    headline: input.headline ?? defaultHeadline(g, senderName, input),
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
