// The production MessageRenderer: one warning → one channel's text in one language,
// from the template files. SMS text is fitted to the level's segment budget by
// shortening the area list, then the description; never the title (office, type,
// level) or the instruction.
import Mustache from "mustache";
import type { Db } from "../db/client.js";
import type { Grading, Policy } from "../config/grading.js";
import type { Warning } from "../db/queries/warnings.js";
import { getAreas } from "../db/queries/areas.js";
import type { ChannelKind, Language } from "../domain/vocabulary.js";
import type { EscalationContext, MessageRenderer, Rendered } from "../dispatch/render.js";
import { renderPart, type TemplateCatalog } from "./catalog.js";
import { smsSegments } from "./segments.js";
import { PARTS, type Part } from "./names.js";
import { buildView, type EscalationView, type View } from "./variables.js";
import { escalationInfo } from "../db/queries/escalation-text.js";
import { ESCALATION_STEPS } from "../domain/vocabulary.js";
import type { Words } from "./words.js";

/** What a renderer needs of a warning: a stored one or an unsaved draft being previewed. */
export type RenderableWarning = Pick<
  Warning,
  | "msgType"
  | "type"
  | "level"
  | "senderName"
  | "headline"
  | "description"
  | "instruction"
  | "areaCodes"
  | "expires"
  | "issuedAt"
> &
  Partial<Pick<Warning, "agencyCode" | "smsSignature">> & { id?: string | undefined };

export interface SmsFit {
  segments: number;
  maxSegments: number;
  withinBudget: boolean;
  encoding: "GSM-7" | "UCS-2";
  units: number;
  /** How many area names were kept (of how many) and how much description survived. */
  shortened: { areasKept: number; areasTotal: number; descriptionChars: number; descriptionTotal: number } | null;
}

export type RenderResult = Rendered & { file: string; sms?: SmsFit };

export interface RendererDeps {
  db: Db;
  grading: Grading;
  policy: Policy;
  catalog: TemplateCatalog;
  signature: string;
  timeZone: string;
  now: () => Date;
}

interface AreaNames {
  names: string[];
  unit: string;
}

export class TemplateRenderer implements MessageRenderer {
  private readonly areaCache = new Map<string, Promise<{ name: string; kind: string }[]>>();

  constructor(private readonly d: RendererDeps) {}

  async render(
    w: RenderableWarning,
    channel: ChannelKind,
    language: Language,
    escalation?: EscalationContext,
  ): Promise<RenderResult> {
    const areas = await this.areas(w);
    const c = this.d.catalog;
    const purpose = escalation ? "escalation" : "warning";
    const main = c.resolve(language, channel, "text", w.type, w.level, purpose);
    const words = c.words(main.language);
    const extra = escalation ? await this.escalationView(w, escalation, words) : {};
    const base = {
      msgType: w.msgType,
      type: w.type,
      level: w.level,
      office: w.senderName,
      agencyCode: w.agencyCode ?? "",
      headline: w.headline,
      description: w.description,
      instruction: w.instruction,
      issuedAt: w.issuedAt ?? this.d.now(),
      expires: w.expires,
      // The version's own signature (its agency's); older rows and agency-less authors: the default.
      signature: channel === "sms" ? (w.smsSignature ?? this.d.signature) : "",
      timeZone: this.d.timeZone,
    };
    const unit =
      areas.length === 0
        ? ""
        : words.unit(
            new Set(areas.map((a) => a.kind)).size === 1 ? (areas[0]!.kind as Parameters<Words["unit"]>[0]) : "mixed",
          );
    const names: AreaNames = { names: areas.map((a) => a.name), unit };
    const view = (kept: number, description: string): View => ({
      ...buildView({ ...base, description }, words, main.language, areaText(names, kept, words)),
      ...extra,
    });

    if (channel === "sms") return this.fitSms(w, main, names.names.length, view);
    const full = view(names.names.length, w.description);
    // Whatever else the channel's message is made of (email subject and HTML, an EBM's title).
    const part = (p: Part) =>
      renderPart(c.resolve(main.language, channel, p, w.type, w.level, purpose).source, p, full);
    const parts: readonly Part[] = PARTS[channel];
    return {
      language: main.language,
      file: main.file,
      text: renderPart(main.source, "text", full),
      ...(parts.includes("subject") ? { subject: part("subject").replace(/\s+/g, " ").trim() } : {}),
      ...(parts.includes("html") ? { html: part("html") } : {}),
    };
  }

  /** Shorten until the text fits: fewer area names first, then a shorter description. */
  private fitSms(
    w: RenderableWarning,
    t: { source: string; file: string; language: Language },
    total: number,
    view: (kept: number, d: string) => View,
  ): RenderResult {
    const max = this.d.policy.smsMaxSegments[w.level];
    const attempt = (kept: number, desc: string) => {
      const text = renderPart(t.source, "text", view(kept, desc));
      return { text, info: smsSegments(text), kept, desc };
    };
    let best = attempt(total, w.description);
    for (let kept = total - 1; best.info.segments > max && kept >= 1; kept--) best = attempt(kept, w.description);
    if (best.info.segments > max) {
      // Longest description prefix that fits (binary search over its characters).
      const chars = [...w.description];
      let lo = 0;
      let hi = chars.length - 1;
      let fit: ReturnType<typeof attempt> | null = null;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const a = attempt(best.kept, mid === 0 ? "" : chars.slice(0, mid).join("") + "…");
        if (a.info.segments <= max) {
          fit = a;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      best = fit ?? attempt(best.kept, "");
    }
    const shortened =
      best.kept < total || best.desc !== w.description
        ? {
            areasKept: best.kept,
            areasTotal: total,
            descriptionChars: [...best.desc.replace(/…$/, "")].length,
            descriptionTotal: [...w.description].length,
          }
        : null;
    return {
      language: t.language,
      file: t.file,
      text: best.text,
      sms: {
        segments: best.info.segments,
        maxSegments: max,
        withinBudget: best.info.segments <= max,
        encoding: best.info.encoding,
        units: best.info.units,
        shortened,
      },
    };
  }

  private async escalationView(w: RenderableWarning, e: EscalationContext, words: Words): Promise<EscalationView> {
    const info = w.id ? await escalationInfo(this.d.db, w.id, e.villageCode) : { village: e.villageCode, reason: null };
    const reason = info.reason ?? "no_ack";
    const deadline = this.d.policy.ackDeadlineMinutes[w.level];
    return {
      village: info.village,
      step: e.step,
      stepName: words.step(ESCALATION_STEPS[e.step - 1] ?? "county"),
      reason: words.reason(reason),
      isNoAck: reason === "no_ack",
      isDeviceOffline: reason === "device_offline",
      deadline: deadline === null ? "" : String(deadline),
    };
  }

  private areas(w: RenderableWarning): Promise<{ name: string; kind: string }[]> {
    const load = async () => {
      const rows = await getAreas(this.d.db, w.areaCodes);
      const byCode = new Map(rows.map((r) => [r.code, r]));
      return w.areaCodes.flatMap((code) => {
        const a = byCode.get(code);
        return a ? [{ name: a.name, kind: a.kind }] : [];
      });
    };
    if (!w.id) return load();
    let p = this.areaCache.get(w.id);
    if (!p) {
      if (this.areaCache.size > 500) this.areaCache.clear();
      p = load();
      this.areaCache.set(w.id, p);
      p.catch(() => this.areaCache.delete(w.id!));
    }
    return p;
  }
}

/** "红山区、松山区等5个旗县区" when only `kept` of the names fit. */
function areaText(a: AreaNames, kept: number, words: Words): { text: string; count: number } {
  const n = a.names.length;
  if (kept >= n) return { text: a.names.join(words.joiner), count: n };
  const head = a.names.slice(0, Math.max(1, kept)).join(words.joiner);
  return {
    text: head + Mustache.render(words.more, { count: n, unit: a.unit }, {}, { escape: (s: string) => s }),
    count: n,
  };
}
