// China's national early-warning release format (国家突发事件预警信息发布系统, GB/T 35965.1
// style): CAP-like but without a namespace, with `senderCode`, `sendTime` written with a
// space, colour severities (Red/Orange/Yellow/Blue), `eventType` codes, comma-separated
// geocodes and per-channel texts under `code/method`. Read into the same CapAlert.
import type { CapAlert, CapInfo, CapReference } from "./model.js";
import { VALUE_NAMES } from "./model.js";
import type { ParsedMessage } from "./parse.js";
import { FieldReader, infoTexts } from "./reader.js";
import { kid, kids, kidText, type XmlElement } from "./xml.js";

const list = (s: string | undefined) =>
  (s ?? "")
    .split(/[,，\s]+/)
    .map((x) => x.trim())
    .filter(Boolean);

/** National references are bare identifiers of the same sender; full CAP triples are
 * accepted too. */
function references(s: string | undefined, sender: string): CapReference[] {
  return (s ?? "")
    .split(/\s+/)
    .filter(Boolean)
    .flatMap((t) => {
      const parts = t.split(",");
      if (parts.length === 3 && /^\d{4}-/.test(parts[2]!))
        return [{ sender: parts[0]!, identifier: parts[1]!, sent: parts[2]! }];
      return parts.filter(Boolean).map((identifier) => ({ sender, identifier, sent: "" }));
    });
}

function readInfo(info: XmlElement, i: number, r: FieldReader): CapInfo {
  const p = `info[${i}]`;
  const eventType = kidText(info, "eventType");
  return {
    language: kidText(info, "language") ?? "zh-CN",
    categories: [],
    event: kidText(info, "event") ?? eventType ?? "",
    urgency: kidText(info, "urgency") ?? "Unknown",
    severity: r.required(info, "severity", `${p}.severity`),
    certainty: kidText(info, "certainty") ?? "Unknown",
    eventCodes: eventType ? [{ valueName: VALUE_NAMES.nationalEventType, value: eventType }] : [],
    ...infoTexts(info, p, r),
    parameters: [],
    areas: kids(info, "area").map((a) => ({
      areaDesc: kidText(a, "areaDesc") ?? "",
      polygons: kids(a, "polygon")
        .map((x) => x.text)
        .filter(Boolean),
      circles: kids(a, "circle")
        .map((x) => x.text)
        .filter(Boolean),
      geocodes: [...new Set(kids(a, "geocode").flatMap((g) => list(g.text)))].map((value) => ({
        valueName: VALUE_NAMES.areaCode,
        value,
      })),
    })),
  };
}

export function readNational(root: XmlElement): ParsedMessage {
  const r = new FieldReader();
  const senderName = kidText(root, "sender");
  const sender = kidText(root, "senderCode") ?? r.required(root, "sender", "senderCode");
  const alert: CapAlert = {
    identifier: r.required(root, "identifier", "identifier"),
    sender,
    sent: r.time(root, "sendTime", "sendTime", true) ?? new Date(0),
    status: kidText(root, "status") ?? "Actual",
    msgType: r.required(root, "msgType", "msgType"),
    scope: kidText(root, "scope") ?? "Public",
    codes: [],
    note: kidText(root, "note"),
    references: references(kidText(root, "references"), sender),
    infos: kids(root, "info").map((info, i) => readInfo(info, i, r)),
  };
  r.done("national-format message is incomplete");
  const channelTexts: Record<string, string> = {};
  for (const m of kids(kid(root, "code") ?? root, "method")) {
    const name = kidText(m, "methodName");
    const text = kidText(m, "message");
    if (name && text) channelTexts[name] = text;
  }
  return { format: "national", alert, signed: false, senderName, channelTexts };
}
