// CapAlert → CAP 1.2 XML. Objects are built key by key in the order of the OASIS schema's
// sequences, so the document is valid by construction; absent optional fields are left out
// rather than written empty.
import { XMLBuilder } from "fast-xml-parser";
import { CAP_NS, type CapAlert, type CapArea, type CapInfo, type CapValue } from "./model.js";
import { formatCapTime } from "./time.js";

type Node = Record<string, unknown>;

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  format: true,
  indentBy: "  ",
  suppressEmptyNode: false,
  processEntities: true,
});

// XML 1.0 cannot carry most C0 controls even escaped; free text may contain them.
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
const clean = (s: string) => s.replace(INVALID_XML_CHARS, "");

/** Adds `key` only when it has content: CAP forbids no element to be empty, but an empty
 * optional element says nothing and some consumers reject it. */
function put(node: Node, key: string, value: string | Date | undefined): void {
  if (value === undefined) return;
  const text = value instanceof Date ? formatCapTime(value) : clean(value);
  if (text !== "") node[key] = text;
}

const pairs = (vs: CapValue[]) => vs.map((v) => ({ valueName: clean(v.valueName), value: clean(v.value) }));

function areaNode(a: CapArea): Node {
  const n: Node = { areaDesc: clean(a.areaDesc) };
  if (a.polygons.length) n.polygon = a.polygons;
  if (a.circles.length) n.circle = a.circles;
  if (a.geocodes.length) n.geocode = pairs(a.geocodes);
  return n;
}

function infoNode(i: CapInfo): Node {
  const n: Node = {
    language: i.language,
    category: i.categories,
    event: clean(i.event),
    urgency: i.urgency,
    severity: i.severity,
    certainty: i.certainty,
  };
  if (i.eventCodes.length) n.eventCode = pairs(i.eventCodes);
  put(n, "effective", i.effective);
  put(n, "onset", i.onset);
  put(n, "expires", i.expires);
  put(n, "senderName", i.senderName);
  put(n, "headline", i.headline);
  put(n, "description", i.description);
  put(n, "instruction", i.instruction);
  put(n, "web", i.web);
  if (i.parameters.length) n.parameter = pairs(i.parameters);
  if (i.areas.length) n.area = i.areas.map(areaNode);
  return n;
}

export function buildCapXml(a: CapAlert): string {
  const alert: Node = {
    "@_xmlns": CAP_NS,
    identifier: a.identifier,
    sender: a.sender,
    sent: formatCapTime(a.sent),
    status: a.status,
    msgType: a.msgType,
    scope: a.scope,
  };
  if (a.codes.length) alert.code = a.codes;
  put(alert, "note", a.note);
  if (a.references.length)
    alert.references = a.references.map((r) => `${r.sender},${r.identifier},${r.sent}`).join(" ");
  if (a.infos.length) alert.info = a.infos.map(infoNode);
  return builder.build({ "?xml": { "@_version": "1.0", "@_encoding": "UTF-8" }, alert }) as string;
}
