// An incoming message → the fields of a warning plus a report of everything that did not
// map (areas, event type, level, dropped parts). Pure: the caller says which codes exist.
import type { Grading } from "../config/grading.js";
import { isAreaCode } from "../domain/areas.js";
import { CERTAINTIES, URGENCIES } from "../domain/vocabulary.js";
import type { WarningInput } from "../domain/warnings/input.js";
import type { FieldError } from "../lib/errors.js";
import { classifyLevel, classifyType, type LevelMatch } from "./classify.js";
import type { CapInfo, CapReference, CapValue } from "./model.js";
import type { ParsedMessage } from "./parse.js";
import { formatCapTime } from "./time.js";

/** A geocode we do not know, or an area given without any geocode (only a description,
 * polygon or circle), which we cannot place among our divisions. */
export interface UnknownArea {
  areaDesc: string;
  valueName?: string;
  value?: string;
}

export interface ImportReport {
  /** `record`: a Cancel of a warning we never held, kept but never sent (import/record.ts). */
  action: "draft" | "update" | "cancel" | "record";
  mappedFrom: {
    format: ParsedMessage["format"];
    sender: string;
    identifier: string;
    sent: string;
    msgType: string;
    status: string;
    language: string | null;
    event: string | null;
    severity: string | null;
    signed: boolean;
    signatureVerified: false;
  };
  unknownAreas: UnknownArea[];
  unknownEventType: { event: string; eventCodes: CapValue[] } | null;
  level: (Omit<LevelMatch, "level"> & { value: string }) | null;
  /** Fields the message lacked that a warning needs, filled with a stated default. */
  defaulted: string[];
  /** Parts of the message that were not carried over. */
  ignored: string[];
  unresolvedReferences: CapReference[];
  /** Rule problems (level not allowed, no area, expired …) to fix before submitting. */
  issues: FieldError[];
}

/** The info block we map: the first Chinese one, else the first. */
export function chooseInfo(msg: ParsedMessage): { info: CapInfo | undefined; ignored: string[] } {
  const infos = msg.alert.infos;
  const i = Math.max(
    0,
    infos.findIndex((x) => x.language.toLowerCase().startsWith("zh")),
  );
  return { info: infos[i], ignored: infos.flatMap((x, j) => (j === i ? [] : [`info[${j}] (${x.language})`])) };
}

/** Geocode values that could be our division or grid codes (12 digits / `<village>-NN`). */
export const candidateCodes = (info: CapInfo): string[] => [
  ...new Set(info.areas.flatMap((a) => a.geocodes.map((g) => g.value.trim()).filter(isAreaCode))),
];

function parsePolygon(text: string): [number, number][] | null {
  const ring = text
    .trim()
    .split(/\s+/)
    .map((p) => p.split(",").map(Number) as [number, number]);
  const ok =
    ring.length >= 4 &&
    ring.every((p) => p.length === 2 && Math.abs(p[0]) <= 90 && Math.abs(p[1]) <= 180 && p.every(Number.isFinite));
  const closed = ok && ring[0]![0] === ring.at(-1)![0] && ring[0]![1] === ring.at(-1)![1];
  return closed ? ring : null;
}

const DAY_MS = 24 * 3600_000;

/** The report's frame: where the message came from, nothing mapped yet. */
export function baseReport(
  msg: ParsedMessage,
  info: CapInfo | undefined,
  action: ImportReport["action"] = "draft",
): ImportReport {
  const { alert } = msg;
  return {
    action,
    mappedFrom: {
      format: msg.format,
      sender: alert.sender,
      identifier: alert.identifier,
      sent: formatCapTime(alert.sent),
      msgType: alert.msgType,
      status: alert.status,
      language: info?.language ?? null,
      event: info?.event || null,
      severity: info?.severity || null,
      signed: msg.signed,
      signatureVerified: false,
    },
    unknownAreas: [],
    unknownEventType: null,
    level: null,
    defaulted: [],
    ignored: [],
    unresolvedReferences: [],
    issues:
      alert.status === "Actual"
        ? []
        : [{ path: "status", code: "not_actual", message: `the message is CAP status ${alert.status}, not Actual` }],
  };
}

export function mapImport(
  msg: ParsedMessage,
  info: CapInfo,
  g: Grading,
  known: Set<string>,
): { input: WarningInput; report: ImportReport } {
  const { alert } = msg;
  const type = classifyType(info, g);
  const level = classifyLevel(info, type.type, g);
  const defaulted: string[] = [];
  const ignored: string[] = [];

  const codes = candidateCodes(info).filter((c) => known.has(c));
  const unknownAreas: UnknownArea[] = info.areas.flatMap((a) =>
    a.geocodes.length === 0
      ? [{ areaDesc: a.areaDesc }]
      : a.geocodes.filter((gc) => !known.has(gc.value.trim())).map((gc) => ({ areaDesc: a.areaDesc, ...gc })),
  );
  const polygons = info.areas
    .flatMap((a) => a.polygons)
    .flatMap((p, i) => {
      const ring = parsePolygon(p);
      if (!ring) ignored.push(`polygon[${i}]: not a closed ring of at least 4 lat,lon points`);
      return ring ? [ring] : [];
    });
  if (polygons.length > 50) ignored.push(`polygon[50…]: only the first 50 polygons are kept`);
  const circles = info.areas.reduce((n, a) => n + a.circles.length, 0);
  if (circles > 0) ignored.push(`circle ×${circles}: circles are not stored`);

  let expires = info.expires;
  if (!expires) {
    expires = new Date((info.onset ?? info.effective ?? alert.sent).getTime() + DAY_MS);
    defaulted.push(
      `expires: none given; set to 24 h after ${info.onset ? "onset" : info.effective ? "effective" : "sent"} (${formatCapTime(expires)})`,
    );
  }
  const description = info.description ?? info.headline ?? info.event;
  if (!info.description) defaulted.push("description: none given; the headline or event is used");
  const notActual = alert.status !== "Actual";
  const input: WarningInput = {
    type: type.type,
    level: level.level,
    ...(info.headline ? { headline: info.headline } : {}),
    description: description || alert.identifier,
    ...(info.instruction ? { instruction: info.instruction } : {}),
    areas: { codes, ...(polygons.length ? { polygons: polygons.slice(0, 50) } : {}) },
    audiences: ["public"],
    ...(info.onset ? { onset: info.onset } : {}),
    expires,
    urgency: (URGENCIES as readonly string[]).includes(info.urgency)
      ? (info.urgency as WarningInput["urgency"])
      : "Unknown",
    certainty:
      info.certainty === "Very Likely"
        ? "Likely"
        : (CERTAINTIES as readonly string[]).includes(info.certainty)
          ? (info.certainty as WarningInput["certainty"])
          : "Unknown",
    note: `导入自 ${alert.sender} ${alert.identifier}${notActual ? `（CAP status ${alert.status}：上游标明非真实预警）` : ""}`.slice(
      0,
      1000,
    ),
  };
  const report: ImportReport = {
    ...baseReport(msg, info),
    unknownAreas,
    unknownEventType: type.from === null ? { event: info.event, eventCodes: info.eventCodes } : null,
    level: { value: level.level, from: level.from, defaulted: level.defaulted },
    defaulted,
    ignored,
  };
  return { input, report };
}
