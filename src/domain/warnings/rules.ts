// Grading, channel-policy and time rules for a warning (DESIGN §1, §4). Pure: the caller
// supplies which area codes exist and the current time.
import type { FieldError } from "../../lib/errors.js";
import { allowedLevels, channelsFor, forbiddenChannels, type Grading, type Policy } from "../../config/grading.js";
import type { ChannelKind, Level, WarningType } from "../vocabulary.js";
import type { WarningInput } from "./input.js";

export interface RuleContext {
  grading: Grading;
  policy: Policy;
  existingCodes: Set<string>;
  now: Date;
}

export function checkWarning(w: WarningInput, ctx: RuleContext): FieldError[] {
  const errors: FieldError[] = [];
  const allowed = allowedLevels(ctx.grading, w.type as WarningType);
  if (!allowed.includes(w.level)) {
    errors.push({
      path: "level",
      code: "level_not_allowed",
      message: `${ctx.grading.types[w.type as WarningType].zh} (${w.type}) warnings may be ${allowed.join(", ")}; not ${w.level}`,
    });
  }
  // zod requires a code on create; a stored draft without one (a CAP import whose areas
  // are all unknown) must not reach submit or approve either.
  if (w.areas.codes.length === 0)
    errors.push({ path: "areas.codes", code: "required", message: "at least one area code is required" });
  const missing = w.areas.codes.filter((c) => !ctx.existingCodes.has(c));
  if (missing.length > 0)
    errors.push({ path: "areas.codes", code: "unknown_area", message: `unknown area code(s): ${missing.join(", ")}` });
  const dup = w.areas.codes.filter((c, i, a) => a.indexOf(c) !== i);
  if (dup.length > 0)
    errors.push({
      path: "areas.codes",
      code: "duplicate",
      message: `repeated area code(s): ${[...new Set(dup)].join(", ")}`,
    });

  const forbidden = forbiddenChannels(ctx.policy, w.type, w.level);
  const bad = (w.channels ?? []).filter((c) => forbidden.includes(c));
  if (bad.length > 0) {
    errors.push({
      path: "channels",
      code: "channel_forbidden",
      message: `policy forbids ${bad.join(", ")} for ${w.type} ${w.level}`,
    });
  }
  if (w.onset && w.expires <= w.onset)
    errors.push({ path: "expires", code: "before_onset", message: "expires must be after onset" });
  if (w.expires <= ctx.now) errors.push({ path: "expires", code: "in_past", message: "expires must be in the future" });
  if (w.sendAt && w.sendAt >= w.expires)
    errors.push({ path: "sendAt", code: "after_expiry", message: "sendAt must be before expires" });
  return errors;
}

/** The channels a warning goes out on: the issuer's choice, else the policy default. */
export function effectiveChannels(
  policy: Policy,
  level: Level,
  chosen: readonly ChannelKind[] | undefined,
): ChannelKind[] {
  return chosen && chosen.length > 0 ? [...new Set(chosen)] : channelsFor(policy, level);
}
