// Reading fields out of an element tree with every problem collected, so a 422 lists
// all of them at once.
import { validationError, type FieldError } from "../lib/errors.js";
import type { CapInfo, CapReference } from "./model.js";
import { parseCapTime } from "./time.js";
import { INSTANT_RANGE } from "../lib/storable.js";
import { kidText, type XmlElement } from "./xml.js";

/** Collects field problems so one 422 lists all of them. */
export class FieldReader {
  readonly errors: FieldError[] = [];
  required(el: XmlElement, name: string, path: string): string {
    const v = kidText(el, name);
    if (v === undefined) this.errors.push({ path, code: "required", message: `<${name}> is required` });
    return v ?? "";
  }
  time(el: XmlElement, name: string, path: string, required = false): Date | undefined {
    const raw = kidText(el, name);
    if (raw === undefined) {
      if (required) this.errors.push({ path, code: "required", message: `<${name}> is required` });
      return undefined;
    }
    const d = parseCapTime(raw);
    const message = `<${name}> '${raw.slice(0, 40)}' is not a date-time with offset ${INSTANT_RANGE}`;
    if (!d) this.errors.push({ path, code: "invalid_time", message });
    return d;
  }
  done(what: string): void {
    if (this.errors.length > 0)
      throw validationError(this.errors, `${what}: ${this.errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`);
  }
}

/** `sender,identifier,sent` triples, whitespace-separated (CAP 1.2 §3.2.1 references). */
export function parseReferences(s: string | undefined): CapReference[] {
  if (!s) return [];
  return s
    .split(/\s+/)
    .filter(Boolean)
    .map((t) => {
      const [sender = "", identifier = "", sent = ""] = t.split(",");
      return { sender, identifier, sent };
    });
}

/** The times and texts of an `info`, read the same way in CAP and the national format. */
export function infoTexts(
  info: XmlElement,
  p: string,
  r: FieldReader,
): Pick<
  CapInfo,
  "effective" | "onset" | "expires" | "senderName" | "headline" | "description" | "instruction" | "web"
> {
  return {
    effective: r.time(info, "effective", `${p}.effective`),
    onset: r.time(info, "onset", `${p}.onset`),
    expires: r.time(info, "expires", `${p}.expires`),
    senderName: kidText(info, "senderName"),
    headline: kidText(info, "headline"),
    description: kidText(info, "description"),
    instruction: kidText(info, "instruction"),
    web: kidText(info, "web"),
  };
}
