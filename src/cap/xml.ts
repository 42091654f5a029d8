// A small namespace-aware element tree over fast-xml-parser. CAP may come with any
// prefix (`cap:alert`) or a default namespace, and signatures redeclare theirs, so every
// element carries its resolved namespace and its local name.
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { AppError } from "../lib/errors.js";
import { XML_LIMITS, refuseDtd } from "./harden.js";

export interface XmlElement {
  name: string;
  ns: string | null;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Concatenated text and CDATA content, trimmed at both ends. */
  text: string;
}

type FxpNode = Record<string, unknown> & { ":@"?: Record<string, string> };

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  // Entities are decoded below in one pass: the library leaves numeric references as-is.
  processEntities: false,
  cdataPropName: "#cdata",
  ignoreDeclaration: true,
  ignorePiTags: true,
  maxNestedTags: XML_LIMITS.maxDepth,
});

const ENTITY = /&(?:#x([0-9a-fA-F]{1,6})|#([0-9]{1,7})|(lt|gt|amp|quot|apos));/g;
const NAMED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

// XML 1.0 §2.2 Char: NUL, most C0 controls, surrogates and U+FFFE/U+FFFF are not
// characters of any document, raw or as a reference (&#0;). Refusing them here also keeps
// them from the database, which cannot store NUL or an unpaired surrogate.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const isXmlChar = (cp: number) => cp <= 0x10ffff && !NOT_XML_CHAR.test(String.fromCodePoint(cp));
const hex = (cp: number) => `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;

function notWellFormed(detail: string, extra: Record<string, unknown> = {}): AppError {
  return new AppError("bad_request", `body is not well-formed XML: ${detail}`, {
    extra: { xmlProblem: "not_well_formed", ...extra },
  });
}

function refuseNonCharacters(text: string): void {
  const m = NOT_XML_CHAR.exec(text);
  if (!m) return;
  const before = text.slice(0, m.index);
  const line = before.split("\n").length;
  const column = m.index - before.lastIndexOf("\n");
  const what = hex(m[0].codePointAt(0)!);
  throw notWellFormed(`${what} is not an XML character (line ${line}, column ${column})`, { line, column });
}

function decodeEntities(s: string): string {
  return s.replace(ENTITY, (all, hex_?: string, dec?: string, name?: string) => {
    if (name) return NAMED[name]!;
    const cp = hex_ ? parseInt(hex_, 16) : Number(dec);
    if (!isXmlChar(cp)) {
      throw notWellFormed(`${all} refers to ${cp > 0x10ffff ? "no character" : hex(cp)}, which XML does not allow`);
    }
    return String.fromCodePoint(cp);
  });
}

function toElement(node: FxpNode, scope: Record<string, string>): XmlElement {
  const qname = Object.keys(node).find((k) => k !== ":@")!;
  const attrs: Record<string, string> = {};
  const ns = { ...scope };
  for (const [k, v] of Object.entries(node[":@"] ?? {})) {
    const value = decodeEntities(v);
    if (k === "xmlns") ns[""] = value;
    else if (k.startsWith("xmlns:")) ns[k.slice(6)] = value;
    else attrs[k] = value;
  }
  const [prefix, local] = qname.includes(":")
    ? [qname.slice(0, qname.indexOf(":")), qname.slice(qname.indexOf(":") + 1)]
    : ["", qname];
  if (prefix && !ns[prefix]) {
    throw new AppError("bad_request", `namespace prefix '${prefix}' of <${qname}> is not declared`, {
      extra: { xmlProblem: "undeclared_prefix" },
    });
  }
  const el: XmlElement = { name: local, ns: ns[prefix] || null, attrs, children: [], text: "" };
  let text = "";
  for (const c of node[qname] as FxpNode[]) {
    if ("#text" in c) text += decodeEntities(String(c["#text"]));
    else if ("#cdata" in c) text += (c["#cdata"] as FxpNode[]).map((t) => String(t["#text"] ?? "")).join("");
    else el.children.push(toElement(c, ns));
  }
  el.text = text.trim();
  return el;
}

/** Text → the single root element, or a 400 that says what is wrong and where. */
export function parseXml(text: string): XmlElement {
  refuseDtd(text);
  refuseNonCharacters(text);
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    throw new AppError(
      "bad_request",
      `body is not well-formed XML: ${msg}${line ? ` (line ${line}${col ? `, column ${col}` : ""})` : ""}`,
      {
        extra: { xmlProblem: "not_well_formed", line, column: col },
      },
    );
  }
  let nodes: FxpNode[];
  try {
    nodes = parser.parse(text) as FxpNode[];
  } catch (e) {
    const deep = /nested/i.test((e as Error).message);
    throw new AppError(
      "bad_request",
      deep ? `XML nests deeper than ${XML_LIMITS.maxDepth} elements` : `XML could not be read: ${(e as Error).message}`,
      {
        extra: { xmlProblem: deep ? "too_deep" : "unreadable", ...(deep ? { maxDepth: XML_LIMITS.maxDepth } : {}) },
      },
    );
  }
  const roots = nodes.filter((n) => !("#text" in n) && !("#cdata" in n));
  if (roots.length !== 1)
    throw new AppError("bad_request", `XML must have exactly one root element; found ${roots.length}`, {
      extra: { xmlProblem: "root" },
    });
  return toElement(roots[0]!, { xml: "http://www.w3.org/XML/1998/namespace" });
}

/** Children of `el` in its own namespace named `name` (foreign elements such as a
 * signature are skipped). */
export const kids = (el: XmlElement, name: string): XmlElement[] =>
  el.children.filter((c) => c.name === name && c.ns === el.ns);
export const kid = (el: XmlElement, name: string): XmlElement | undefined => kids(el, name)[0];
/** Text of the first such child; undefined when absent or empty (`<onset/>`). */
export const kidText = (el: XmlElement, name: string): string | undefined => kid(el, name)?.text || undefined;
