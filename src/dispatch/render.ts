// The dispatcher asks a renderer for each (warning, channel, language) once per batch.
// Templates (templates/) provide the production renderer; this interface is all the
// engine knows of them.
import type { Warning } from "../db/queries/warnings.js";
import type { ChannelKind, Language } from "../domain/vocabulary.js";

export interface Rendered {
  text: string;
  subject?: string | undefined;
  html?: string | undefined;
  /** The language actually used (a missing template falls back to zh). */
  language: Language;
}

/** A 叫应 message (purpose 'escalation'): who is asked, for which village. */
export interface EscalationContext {
  step: number;
  villageCode: string;
}

export interface MessageRenderer {
  render(
    w: Warning,
    channel: ChannelKind,
    language: Language,
    escalation?: EscalationContext,
  ): Promise<Rendered> | Rendered;
}
