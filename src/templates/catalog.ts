// Loads and checks the template files once, at start-up: a file with an unknown
// variable, a missing required placeholder, a bad name or a syntax error stops the
// service with the file's name, rather than producing a broken message at send time.
import Mustache from "mustache";
import type { Grading } from "../config/grading.js";
import {
  CHANNELS,
  LANGUAGES,
  type ChannelKind,
  type Language,
  type Level,
  type WarningType,
} from "../domain/vocabulary.js";
import { candidates, ESCALATION_CHANNELS, fileName, parseName, PARTS, type Part, type Purpose } from "./names.js";
import {
  ESCALATION_VARIABLES,
  REQUIRED,
  REQUIRED_ESCALATION,
  VARIABLES,
  type EscalationView,
  type View,
} from "./variables.js";
import { wordsFor, wordsSchema, type Words, type WordsFile } from "./words.js";

export class TemplateError extends Error {
  constructor(readonly problems: string[]) {
    super(`templates are not usable:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    this.name = "TemplateError";
  }
}

/** [type, value, start, end, children?] as mustache's parser returns them. */
type Token = [string, string, number, number, Token[]?, ...unknown[]];

export interface TemplateCatalog {
  /** The template for a message part; a missing language falls back to zh. */
  resolve(
    language: Language,
    channel: ChannelKind,
    part: Part,
    type: WarningType,
    level: Level,
    purpose?: Purpose,
  ): { source: string; file: string; language: Language };
  words(language: Language): Words;
  /** Files by path, for display (the console and /docs show what staff can edit). */
  readonly files: ReadonlyMap<string, string>;
}

function usedNames(tokens: Token[], out: { name: string; kind: string }[] = []) {
  for (const t of tokens) {
    if (t[0] === "name" || t[0] === "&" || t[0] === "#" || t[0] === "^" || t[0] === ">")
      out.push({ name: t[1], kind: t[0] });
    if (t[4]) usedNames(t[4], out);
  }
  return out;
}

export function buildCatalog(sources: Record<string, string>, grading: Grading): TemplateCatalog {
  const problems: string[] = [];
  const files = new Map<string, string>();
  const words: Partial<Record<Language, WordsFile>> = {};
  const known = new Set<string>(VARIABLES);
  const knownEscalation = new Set<string>([...VARIABLES, ...ESCALATION_VARIABLES]);

  for (const [path, source] of Object.entries(sources).sort(([a], [b]) => a.localeCompare(b))) {
    const where = `templates/${path}`;
    if (path.endsWith("/words.json")) {
      const lang = path.split("/")[0] as Language;
      if (!(LANGUAGES as readonly string[]).includes(lang)) {
        problems.push(`${where}: unknown language directory`);
        continue;
      }
      try {
        const r = wordsSchema.safeParse(JSON.parse(source));
        if (r.success) words[lang] = r.data;
        else problems.push(...r.error.issues.map((i) => `${where}: ${i.path.join(".")}: ${i.message}`));
      } catch (e) {
        problems.push(`${where}: ${(e as Error).message}`);
      }
      continue;
    }
    if (path.endsWith(".md")) continue;
    const name = parseName(path);
    if (typeof name === "string") {
      problems.push(`${where}: ${name}`);
      continue;
    }
    let tokens: Token[];
    try {
      tokens = Mustache.parse(source) as Token[];
    } catch (e) {
      problems.push(`${where}: ${(e as Error).message}`);
      continue;
    }
    const used = usedNames(tokens);
    const allowed = name.purpose === "escalation" ? knownEscalation : known;
    for (const u of used) {
      if (u.kind === ">") problems.push(`${where}: partials ({{> ${u.name}}}) are not supported`);
      else if (!allowed.has(u.name))
        problems.push(`${where}: unknown variable {{${u.name}}} (known: ${[...allowed].join(", ")})`);
      else if (u.kind === "&" && name.part === "html")
        problems.push(`${where}: unescaped {{{${u.name}}}} is not allowed in HTML (warning text must be escaped)`);
    }
    const required =
      name.purpose === "escalation"
        ? REQUIRED_ESCALATION[name.channel]?.[name.part]
        : REQUIRED[name.channel][name.part];
    for (const r of required ?? []) {
      if (!used.some((u) => u.name === r)) problems.push(`${where}: missing placeholder {{${r}}}`);
    }
    files.set(path, source);
  }
  const bases: { purpose: Purpose; channel: ChannelKind }[] = [
    ...CHANNELS.map((channel) => ({ purpose: "warning" as const, channel })),
    ...ESCALATION_CHANNELS.map((channel) => ({ purpose: "escalation" as const, channel })),
  ];
  for (const { purpose, channel } of bases) {
    for (const part of PARTS[channel]) {
      const f = `zh/${fileName({ purpose, channel, type: null, level: null, part })}`;
      if (!files.has(f) && !problems.some((p) => p.startsWith(`templates/${f}:`)))
        problems.push(`templates/${f}: missing (every channel needs a zh base template)`);
    }
  }
  if (problems.length > 0) throw new TemplateError(problems);

  const wordCache = new Map<Language, Words>();
  return {
    files,
    resolve(language, channel, part, type, level, purpose = "warning") {
      for (const lang of language === "zh" ? ["zh" as const] : [language, "zh" as const]) {
        for (const c of candidates(purpose, channel, part, type, level)) {
          const file = `${lang}/${c}`;
          const source = files.get(file);
          if (source !== undefined) return { source, file, language: lang };
        }
      }
      // Unreachable: the loader guarantees zh base templates.
      throw new TemplateError([
        `templates/zh/${fileName({ purpose, channel, type: null, level: null, part })}: missing`,
      ]);
    },
    words(language) {
      let w = wordCache.get(language);
      if (!w) wordCache.set(language, (w = wordsFor(grading, words, language)));
      return w;
    },
  };
}

/** Renders one part: text parts verbatim, HTML parts escaped. */
export function renderPart(source: string, part: Part, view: View | (View & EscalationView)): string {
  const out =
    part === "html" ? Mustache.render(source, view) : Mustache.render(source, view, {}, { escape: (s: string) => s });
  return part === "html" ? out : out.replace(/\n+$/, "");
}
