// The view a template renders: every variable a template may use, and which ones each
// channel's template must use. The loader rejects any other name at start-up.
import type { ChannelKind, Language } from "../domain/vocabulary.js";
import type { Part } from "./names.js";
import type { Words } from "./words.js";
import { wallClock, wallClockMinute } from "../lib/local-time.js";

export interface View {
  /** SMS sender signature, e.g. 【赤峰市气象局】 (configuration). */
  signature: string;
  /** Issuing office, e.g. 赤峰市气象台: the author's agency (发布单位) or the configured default. */
  office: string;
  /** The agency by name (same as `office`) and by code (`cf-sw`; empty without an agency). */
  agency: string;
  agencyCode: string;
  /** 发布 / 更新 / 解除 */
  action: string;
  type: string;
  /** Colour name, e.g. 橙色. */
  level: string;
  levelRoman: string;
  levelWord: string;
  /** National headline: 赤峰市气象台发布暴雨橙色预警[Ⅱ级/严重]. */
  title: string;
  /** The headline staff wrote (or the default one). */
  headline: string;
  /** Issue time in the display time zone. */
  time: string;
  expires: string;
  /** Affected area names, shortened when a budget requires it. */
  areas: string;
  areaCount: number;
  description: string;
  instruction: string;
  isAlert: boolean;
  isUpdate: boolean;
  isCancel: boolean;
}
/** Extra variables of a 叫应 message. */
export interface EscalationView {
  /** The village, with its county and township: 红山区文钟镇某某村. */
  village: string;
  step: number;
  /** Who is asked at this step (备岗人员, 乡镇（苏木）负责人 …). */
  stepName: string;
  /** Why: not confirmed in time, or the village's loudspeaker is down. */
  reason: string;
  isNoAck: boolean;
  isDeviceOffline: boolean;
  /** Minutes this level allows for a confirmation (empty when none). */
  deadline: string;
}
export const ESCALATION_VARIABLES: readonly (keyof EscalationView)[] = [
  "village",
  "step",
  "stepName",
  "reason",
  "isNoAck",
  "isDeviceOffline",
  "deadline",
];

export const VARIABLES: readonly (keyof View)[] = [
  "signature",
  "office",
  "agency",
  "agencyCode",
  "action",
  "type",
  "level",
  "levelRoman",
  "levelWord",
  "title",
  "headline",
  "time",
  "expires",
  "areas",
  "areaCount",
  "description",
  "instruction",
  "isAlert",
  "isUpdate",
  "isCancel",
];

/** A 叫应 message must say which warning, which village and why it reached this person. */
export const REQUIRED_ESCALATION: Partial<
  Record<ChannelKind, Partial<Record<Part, readonly (keyof View | keyof EscalationView)[]>>>
> = {
  sms: { text: ["title", "village", "reason"] },
  email: {
    subject: ["title", "village"],
    text: ["title", "village", "reason", "time"],
    html: ["title", "village", "reason", "time"],
  },
};

/** Placeholders a template must contain: what national practice requires on that channel. */
export const REQUIRED: Record<ChannelKind, Partial<Record<Part, readonly (keyof View)[]>>> = {
  sms: { text: ["title", "areas", "description", "instruction"] },
  loudspeaker: { text: ["office", "action", "type", "level", "description", "instruction"] },
  display: { text: ["title", "areas"] },
  eb: { subject: ["title"], text: ["office", "action", "type", "level", "description", "instruction"] },
  email: {
    subject: ["title"],
    text: ["title", "time", "areas", "description", "instruction"],
    html: ["title", "time", "areas", "description", "instruction"],
  },
};

export interface ViewInput {
  msgType: "Alert" | "Update" | "Cancel";
  type: Parameters<Words["type"]>[0];
  level: Parameters<Words["level"]>[0];
  office: string;
  agencyCode: string;
  headline: string;
  description: string;
  instruction: string;
  issuedAt: Date;
  expires: Date;
  signature: string;
  timeZone: string;
}

export function formatTime(d: Date, language: Language, timeZone: string): string {
  if (language === "en") return wallClockMinute(d, timeZone);
  // National practice: 2026年11月22日08时30分.
  const w = wallClock(d, timeZone);
  return `${w.year}年${Number(w.month)}月${Number(w.day)}日${w.hour}时${w.minute}分`;
}

export function buildView(
  v: ViewInput,
  words: Words,
  language: Language,
  areas: { text: string; count: number },
): View {
  const lw = words.level(v.level);
  const action = words.action(v.msgType);
  const type = words.type(v.type);
  const title =
    language === "en"
      ? `${v.office} ${action} ${lw.name} ${type} warning [${lw.roman}/${lw.word}]`
      : `${v.office}${action}${type}${lw.name}预警[${lw.roman}/${lw.word}]`;
  return {
    signature: v.signature,
    office: v.office,
    agency: v.office,
    agencyCode: v.agencyCode,
    action,
    type,
    level: lw.name,
    levelRoman: lw.roman,
    levelWord: lw.word,
    title,
    headline: v.headline,
    time: formatTime(v.issuedAt, language, v.timeZone),
    expires: formatTime(v.expires, language, v.timeZone),
    areas: areas.text,
    areaCount: areas.count,
    description: v.description,
    instruction: v.instruction,
    isAlert: v.msgType === "Alert",
    isUpdate: v.msgType === "Update",
    isCancel: v.msgType === "Cancel",
  };
}
