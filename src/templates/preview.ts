// What each channel will say, before anyone approves: per channel and language, the
// rendered text, the template file used and, for SMS, the segment count and budget.
import type { ChannelKind, Language } from "../domain/vocabulary.js";
import { LANGUAGES } from "../domain/vocabulary.js";
import { AppError } from "../lib/errors.js";
import type { Services } from "../services.js";
import { rendererFor } from "./default.js";
import type { RenderableWarning, RenderResult } from "./render.js";

export interface PreviewItem {
  channel: ChannelKind;
  /** The language rendered (a missing mn template falls back to zh). */
  language: Language;
  requestedLanguage: Language;
  template: string;
  text: string;
  subject?: string | undefined;
  html?: string | undefined;
  segments?: number;
  maxSegments?: number;
  encoding?: "GSM-7" | "UCS-2";
  shortened?: NonNullable<RenderResult["sms"]>["shortened"];
  /** False only for an SMS that exceeds its level's budget even when shortened. */
  withinBudget: boolean;
}

export async function previewWarning(
  s: Parameters<typeof rendererFor>[0],
  w: RenderableWarning,
  channels: readonly ChannelKind[],
  languages: readonly Language[] = LANGUAGES,
): Promise<PreviewItem[]> {
  const r = rendererFor(s);
  const items: PreviewItem[] = [];
  for (const channel of channels) {
    for (const lang of languages) {
      const out = await r.render(w, channel, lang);
      items.push({
        channel,
        language: out.language,
        requestedLanguage: lang,
        template: `templates/${out.file}`,
        text: out.text,
        subject: out.subject,
        html: out.html,
        ...(out.sms
          ? {
              segments: out.sms.segments,
              maxSegments: out.sms.maxSegments,
              encoding: out.sms.encoding,
              shortened: out.sms.shortened,
            }
          : {}),
        withinBudget: out.sms?.withinBudget ?? true,
      });
    }
  }
  return items;
}

export function overBudgetError(item: PreviewItem): AppError {
  return new AppError(
    "validation_failed",
    `the ${item.requestedLanguage} SMS needs ${item.segments} segments even with the area list and description shortened; the ${item.maxSegments}-segment budget for this level leaves no room: shorten the instruction`,
    {
      errors: [
        {
          path: "instruction",
          code: "sms_over_budget",
          message: `SMS needs ${item.segments} segments, budget ${item.maxSegments}`,
        },
      ],
      extra: {
        channel: "sms",
        language: item.requestedLanguage,
        segments: item.segments,
        maxSegments: item.maxSegments,
      },
    },
  );
}

/** Refuses a warning whose SMS cannot fit its budget: caught before sending, not at it. */
export async function assertSmsBudget(s: Services, w: RenderableWarning & { channels: string[] }): Promise<void> {
  if (!w.channels.includes("sms")) return;
  const items = await previewWarning(s, w, ["sms"], LANGUAGES);
  const bad = items.find((i) => !i.withinBudget);
  if (bad) throw overBudgetError(bad);
}
