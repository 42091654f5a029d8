// The words a template's variables are made of, per language: zh from the grading table
// (the national names), other languages from templates/<language>/words.json, falling
// back to zh word by word so a partial translation still renders.
import { z } from "zod";
import type { Grading } from "../config/grading.js";
import {
  AREA_KINDS,
  ESCALATION_REASONS,
  ESCALATION_STEPS,
  LEVELS,
  WARNING_TYPES,
  type EscalationReason,
  type EscalationStep,
  type Language,
  type Level,
  type WarningType,
} from "../domain/vocabulary.js";

const levelWords = z.strictObject({ name: z.string(), roman: z.string(), word: z.string() });
export const wordsSchema = z.strictObject({
  /** Verb for Alert / Update / Cancel, e.g. 发布 / 更新 / 解除. */
  actions: z.strictObject({ Alert: z.string(), Update: z.string(), Cancel: z.string() }).partial().optional(),
  levels: z.partialRecord(z.enum(LEVELS), levelWords).optional(),
  types: z.partialRecord(z.enum(WARNING_TYPES), z.string()).optional(),
  /** How a shortened area list ends: a mustache template over {count, unit}. */
  areaList: z.strictObject({ joiner: z.string(), more: z.string() }).partial().optional(),
  /** Noun for a number of areas of one kind (旗县区, 乡镇, 嘎查村); `mixed` for several kinds. */
  areaUnits: z.partialRecord(z.enum([...AREA_KINDS, "mixed"]), z.string()).optional(),
  /** 叫应: who is asked at each step, and why. */
  escalationSteps: z.partialRecord(z.enum(ESCALATION_STEPS), z.string()).optional(),
  escalationReasons: z.partialRecord(z.enum(ESCALATION_REASONS), z.string()).optional(),
});
export type WordsFile = z.infer<typeof wordsSchema>;

export interface Words {
  action(msgType: "Alert" | "Update" | "Cancel"): string;
  level(l: Level): { name: string; roman: string; word: string };
  type(t: WarningType): string;
  joiner: string;
  more: string;
  unit(kind: (typeof AREA_KINDS)[number] | "mixed"): string;
  step(s: EscalationStep): string;
  reason(r: EscalationReason): string;
}

const ZH_DEFAULTS = {
  actions: { Alert: "发布", Update: "更新", Cancel: "解除" },
  areaList: { joiner: "、", more: "等{{count}}个{{unit}}" },
  areaUnits: {
    province: "省区",
    city: "盟市",
    county: "旗县区",
    township: "苏木乡镇",
    village: "嘎查村",
    grid: "网格",
    mixed: "地区",
  },
  escalationSteps: {
    primary: "信息员、网格员、村干部（A岗）",
    backup: "备岗人员（B岗）",
    township: "苏木乡镇负责人",
    county: "旗县区负责人",
  },
  escalationReasons: { no_ack: "责任人未在规定时间内确认收到预警", device_offline: "应急广播大喇叭离线或播发失败" },
};

export function wordsFor(g: Grading, files: Partial<Record<Language, WordsFile>>, language: Language): Words {
  const own = language === "zh" ? undefined : files[language];
  const zh = files.zh;
  const pick = <T>(...xs: (T | undefined)[]): T => xs.find((x) => x !== undefined)!;
  return {
    action: (m) => pick(own?.actions?.[m], zh?.actions?.[m], ZH_DEFAULTS.actions[m]),
    level: (l) =>
      pick(own?.levels?.[l], zh?.levels?.[l], {
        name: g.levels[l].zh,
        roman: g.levels[l].roman,
        word: g.levels[l].word,
      }),
    type: (t) => pick(own?.types?.[t], zh?.types?.[t], g.types[t].zh),
    joiner: pick(own?.areaList?.joiner, zh?.areaList?.joiner, ZH_DEFAULTS.areaList.joiner),
    more: pick(own?.areaList?.more, zh?.areaList?.more, ZH_DEFAULTS.areaList.more),
    unit: (k) => pick(own?.areaUnits?.[k], zh?.areaUnits?.[k], ZH_DEFAULTS.areaUnits[k]),
    step: (x) => pick(own?.escalationSteps?.[x], zh?.escalationSteps?.[x], ZH_DEFAULTS.escalationSteps[x]),
    reason: (x) => pick(own?.escalationReasons?.[x], zh?.escalationReasons?.[x], ZH_DEFAULTS.escalationReasons[x]),
  };
}
