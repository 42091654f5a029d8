// Which of our types and levels an incoming info block is. Only explicit evidence counts
// (our own codes, national event codes, the exact Chinese name, CAP severity, a colour
// parameter); nothing is inferred from free text, and what cannot be mapped is reported.
import type { Grading } from "../config/grading.js";
import { LEVELS, WARNING_TYPES, type Level, type WarningType } from "../domain/vocabulary.js";
import { VALUE_NAMES, type CapInfo, type CapValue } from "./model.js";

export interface TypeMatch {
  type: WarningType;
  /** Where the type came from; null when nothing matched and `other` stands in. */
  from: string | null;
}

export function classifyType(info: CapInfo, g: Grading): TypeMatch {
  const own = info.eventCodes.find(
    (c) => c.valueName === VALUE_NAMES.type && (WARNING_TYPES as readonly string[]).includes(c.value),
  );
  if (own) return { type: own.value as WarningType, from: `eventCode ${own.valueName}=${own.value}` };
  for (const c of info.eventCodes) {
    const t = WARNING_TYPES.find((k) => g.types[k].code !== null && g.types[k].code === c.value.trim().toUpperCase());
    if (t) return { type: t, from: `eventCode ${c.valueName}=${c.value}` };
  }
  // "暴雨", "暴雨橙色预警", "暴雨预警": the national name with an optional colour and 预警.
  const name = info.event
    .trim()
    .replace(/预警(信号)?$/, "")
    .replace(/[红橙黄蓝紅黃藍]色$/, "");
  const byName = WARNING_TYPES.find((k) => k !== "other" && g.types[k].zh === name);
  if (byName) return { type: byName, from: `event ${info.event}` };
  return { type: "other", from: null };
}

const COLOUR_WORDS: [RegExp, Level][] = [
  [/^(red|红|紅)(色)?$/i, "red"],
  [/^(orange|橙)(色)?$/i, "orange"],
  [/^(yellow|黄|黃)(色)?$/i, "yellow"],
  [/^(blue|蓝|藍)(色)?$/i, "blue"],
];

const colourLevel = (v: string): Level | undefined => COLOUR_WORDS.find(([re]) => re.test(v.trim()))?.[1];

export interface LevelMatch {
  level: Level;
  from: string;
  defaulted: boolean;
}

export function classifyLevel(info: CapInfo, type: WarningType, g: Grading): LevelMatch {
  const own = info.parameters.find(
    (p) => p.valueName === VALUE_NAMES.level && (LEVELS as readonly string[]).includes(p.value),
  );
  if (own) return { level: own.value as Level, from: `parameter ${own.valueName}=${own.value}`, defaulted: false };
  const sev = info.severity.trim().toLowerCase();
  // CAP severities (Extreme…Minor) and the national format's colours (Red…Blue).
  const bySeverity = LEVELS.find(
    (l) => g.levels[l].cap.toLowerCase() === sev || g.levels[l].national.toLowerCase() === sev,
  );
  if (bySeverity) return { level: bySeverity, from: `severity ${info.severity}`, defaulted: false };
  const colour = info.parameters.find((p: CapValue) => /colou?r/i.test(p.valueName) && colourLevel(p.value));
  if (colour)
    return {
      level: colourLevel(colour.value)!,
      from: `parameter ${colour.valueName}=${colour.value}`,
      defaulted: false,
    };
  // Severity Unknown and no colour: the lowest level the type allows, flagged for review.
  const allowed = g.types[type].allowedLevels;
  const lowest = [...LEVELS].reverse().find((l) => allowed.includes(l)) ?? "blue";
  return {
    level: lowest,
    from: `severity ${info.severity || "(none)"}: no level given, lowest allowed used`,
    defaulted: true,
  };
}
