// Template file names: `<language>/[escalation.]<channel>[.<type>][.<level>][.subject].<ext>`.
// The most specific file wins: channel.type.level, then channel.type, channel.level, channel.
// `escalation.` files are the 叫应 messages (asking a backup or an official to act).
import {
  CHANNELS,
  LANGUAGES,
  LEVELS,
  WARNING_TYPES,
  type ChannelKind,
  type Language,
  type Level,
  type WarningType,
} from "../domain/vocabulary.js";

/** What one channel's message is made of. */
export const PARTS = {
  sms: ["text"],
  loudspeaker: ["text"],
  display: ["text"],
  email: ["subject", "text", "html"],
  /** An EBM's MsgTitle and MsgDesc (read out by the platform's text-to-speech). */
  eb: ["subject", "text"],
} as const satisfies Record<ChannelKind, readonly Part[]>;
export type Part = "subject" | "text" | "html";

export type Purpose = "warning" | "escalation";
/** Channels a 叫应 message can go out on: people's, never devices. */
export const ESCALATION_CHANNELS = ["sms", "email"] as const;

export interface TemplateName {
  language: Language;
  purpose: Purpose;
  channel: ChannelKind;
  type: WarningType | null;
  level: Level | null;
  part: Part;
}

const EXT: Record<Part, string> = { text: "txt", subject: "subject.txt", html: "html" };

export function fileName(n: Omit<TemplateName, "language">): string {
  return (
    [n.purpose === "escalation" ? "escalation" : null, n.channel, n.type, n.level].filter(Boolean).join(".") +
    "." +
    EXT[n.part]
  );
}

/** Parses `zh/sms.rainstorm.red.txt`; returns a reason when the name is not a template's. */
export function parseName(path: string): TemplateName | string {
  const [language, file, ...rest] = path.split("/");
  if (!file || rest.length > 0) return "templates live one level deep: <language>/<file>";
  if (!(LANGUAGES as readonly string[]).includes(language!))
    return `unknown language directory "${language}" (known: ${LANGUAGES.join(", ")})`;
  const segs = file.split(".");
  const ext = segs.pop();
  let part: Part;
  if (ext === "html") part = "html";
  else if (ext === "txt" && segs.at(-1) === "subject") {
    segs.pop();
    part = "subject";
  } else if (ext === "txt") part = "text";
  else return `unknown extension ".${ext}" (use .txt, .subject.txt or .html)`;
  const purpose: Purpose = segs[0] === "escalation" ? "escalation" : "warning";
  if (purpose === "escalation") segs.shift();
  const [channel, ...qualifiers] = segs;
  if (!(CHANNELS as readonly string[]).includes(channel!))
    return `unknown channel "${channel}" (known: ${CHANNELS.join(", ")})`;
  if (purpose === "escalation" && !(ESCALATION_CHANNELS as readonly string[]).includes(channel!))
    return `叫应 messages go to people: channel must be ${ESCALATION_CHANNELS.join(" or ")}`;
  if (!(PARTS[channel as ChannelKind] as readonly Part[]).includes(part))
    return `channel ${channel} has no ${part} part`;
  let type: WarningType | null = null;
  let level: Level | null = null;
  for (const q of qualifiers) {
    if ((WARNING_TYPES as readonly string[]).includes(q) && type === null && level === null) type = q as WarningType;
    else if ((LEVELS as readonly string[]).includes(q) && level === null) level = q as Level;
    else return `"${q}" is not a warning type or level, or is out of order (channel.type.level)`;
  }
  return { language: language as Language, purpose, channel: channel as ChannelKind, type, level, part };
}

/** Candidate file names, most specific first. */
export function candidates(
  purpose: Purpose,
  channel: ChannelKind,
  part: Part,
  type: WarningType,
  level: Level,
): string[] {
  return [
    fileName({ purpose, channel, type, level, part }),
    fileName({ purpose, channel, type, level: null, part }),
    fileName({ purpose, channel, type: null, level, part }),
    fileName({ purpose, channel, type: null, level: null, part }),
  ];
}
