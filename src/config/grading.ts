// The grading table (types, national codes, allowed levels) and the operational policy
// are configuration: provinces differ. Both are plain JSON validated once at load.
import { z } from "zod";
import typesJson from "./warning-types.json" with { type: "json" };
import policyJson from "./policy.json" with { type: "json" };
import {
  CHANNELS,
  LEVELS,
  WARNING_TYPES,
  type ChannelKind,
  type Level,
  type WarningType,
} from "../domain/vocabulary.js";

const level = z.enum(LEVELS);
const channel = z.enum(CHANNELS);

const typeEntry = z.object({
  zh: z.string(),
  code: z.string().nullable(),
  cap: z.string(),
  allowedLevels: z.array(level).min(1),
});
const levelEntry = z.object({
  zh: z.string(),
  roman: z.string(),
  word: z.string(),
  cap: z.string(),
  national: z.string(),
});

export const gradingSchema = z.object({
  levels: z.record(level, levelEntry),
  types: z.record(z.enum(WARNING_TYPES), typeEntry),
});
export type Grading = z.infer<typeof gradingSchema>;

export const policySchema = z.object({
  channelsByLevel: z.record(level, z.array(channel).min(1)),
  forbiddenChannels: z.record(z.string(), z.record(z.string(), z.array(channel))).default({}),
  directIssue: z.record(z.string(), z.array(level)).default({}),
  smsMaxSegments: z.record(level, z.number().int().min(1).max(10)),
  ackDeadlineMinutes: z.record(level, z.number().positive().nullable()),
  repeatByLevel: z.record(
    level,
    z.object({ repeat: z.number().int().min(1), intervalSeconds: z.number().int().min(0) }),
  ),
});
export type Policy = z.infer<typeof policySchema>;

export const defaultGrading: Grading = gradingSchema.parse(typesJson);
export const defaultPolicy: Policy = policySchema.parse(policyJson);

export function allowedLevels(g: Grading, type: WarningType): readonly Level[] {
  return g.types[type].allowedLevels;
}

export function channelsFor(p: Policy, level: Level): ChannelKind[] {
  return [...p.channelsByLevel[level]];
}

export function forbiddenChannels(p: Policy, type: string, level: Level): ChannelKind[] {
  return p.forbiddenChannels[type]?.[level] ?? [];
}

export function isDirectIssue(p: Policy, type: string, level: Level): boolean {
  return p.directIssue[type]?.includes(level) ?? false;
}
