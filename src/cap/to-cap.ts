// One warning version → the CAP alert we publish for it (DESIGN §1 level → severity,
// §4 times in +08:00). Pure: the caller loads area names and the earlier versions.
import type { Grading } from "../config/grading.js";
import type { Warning } from "../db/queries/warnings.js";
import { isGridCode } from "../domain/areas.js";
import type { WarningType } from "../domain/vocabulary.js";
import { VALUE_NAMES, type CapAlert, type CapArea, type CapValue } from "./model.js";
import { formatCapTime } from "./time.js";

export interface ExportContext {
  grading: Grading;
  /** code → name from the areas table; a code without a row is described by itself. */
  areaNames: Map<string, string>;
  /** Earlier versions of the thread that were issued, oldest first. */
  earlier: Pick<Warning, "sender" | "identifier" | "issuedAt" | "createdAt">[];
}

/** A warning's CAP `sent`: when it went out, or when it was written if it never did. */
export const sentOf = (w: Pick<Warning, "issuedAt" | "createdAt">): Date => w.issuedAt ?? w.createdAt;

/** `lat,lon lat,lon …`, the CAP polygon form (WGS-84, first point = last point). */
export const polygonText = (ring: [number, number][]) => ring.map(([lat, lon]) => `${lat},${lon}`).join(" ");

function area(w: Warning, names: Map<string, string>): CapArea[] {
  const polygons = (w.polygons ?? []).map(polygonText);
  if (w.areaCodes.length === 0 && polygons.length === 0) return [];
  const geocodes: CapValue[] = w.areaCodes.map((code) => ({
    valueName: isGridCode(code) ? VALUE_NAMES.grid : VALUE_NAMES.areaCode,
    value: code,
  }));
  const desc = w.areaCodes.map((c) => names.get(c) ?? c).join("、");
  return [{ areaDesc: desc || "见多边形", polygons, circles: [], geocodes }];
}

export function toCapAlert(w: Warning, ctx: ExportContext): CapAlert {
  const type = ctx.grading.types[w.type as WarningType];
  const level = ctx.grading.levels[w.level];
  const eventCodes: CapValue[] = [{ valueName: VALUE_NAMES.type, value: w.type }];
  if (type.code) eventCodes.push({ valueName: VALUE_NAMES.nationalEventType, value: type.code });
  return {
    identifier: w.identifier,
    sender: w.sender,
    sent: sentOf(w),
    status: "Actual",
    msgType: w.msgType,
    scope: "Public",
    codes: [],
    references:
      w.msgType === "Alert"
        ? []
        : ctx.earlier.map((e) => ({ sender: e.sender, identifier: e.identifier, sent: formatCapTime(sentOf(e)) })),
    infos: [
      {
        language: "zh-CN",
        categories: [type.cap],
        event: type.zh,
        urgency: w.urgency,
        severity: level.cap,
        certainty: w.certainty,
        eventCodes,
        onset: w.onset ?? undefined,
        expires: w.expires,
        senderName: w.senderName,
        headline: w.headline,
        description: w.description,
        instruction: w.instruction || undefined,
        parameters: [
          { valueName: VALUE_NAMES.level, value: w.level },
          { valueName: VALUE_NAMES.colour, value: level.zh },
        ],
        areas: area(w, ctx.areaNames),
      },
    ],
  };
}
