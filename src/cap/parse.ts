// Reading an incoming message: which format it is (CAP 1.2 in any prefix, or the national
// format: root `alert` without a namespace), then its fields into a CapAlert.
import { AppError } from "../lib/errors.js";
import { CAP_NS, DSIG_NS, type CapAlert, type CapArea, type CapInfo, type CapValue } from "./model.js";
import { FieldReader, infoTexts, parseReferences } from "./reader.js";
import { kids, kidText, parseXml, type XmlElement } from "./xml.js";
import { readNational } from "./national.js";

export interface ParsedMessage {
  format: "cap-1.2" | "national";
  alert: CapAlert;
  /** An enveloped XML signature is present. It is kept with the raw XML, not verified here. */
  signed: boolean;
  /** National format: `sender` is the sender's name and `senderCode` the id we use as sender. */
  senderName?: string | undefined;
  /** National format: the per-channel texts of `code/method` (SMS, SPEAKER, WEB …). */
  channelTexts?: Record<string, string> | undefined;
}

const values = (el: XmlElement, name: string): CapValue[] =>
  kids(el, name).map((v) => ({ valueName: kidText(v, "valueName") ?? "", value: kidText(v, "value") ?? "" }));

function readArea(a: XmlElement): CapArea {
  return {
    areaDesc: kidText(a, "areaDesc") ?? "",
    polygons: kids(a, "polygon")
      .map((p) => p.text)
      .filter(Boolean),
    circles: kids(a, "circle")
      .map((p) => p.text)
      .filter(Boolean),
    geocodes: values(a, "geocode"),
  };
}

function readInfo(info: XmlElement, i: number, r: FieldReader): CapInfo {
  const p = `info[${i}]`;
  return {
    language: kidText(info, "language") ?? "en-US",
    categories: kids(info, "category").map((c) => c.text),
    event: r.required(info, "event", `${p}.event`),
    urgency: r.required(info, "urgency", `${p}.urgency`),
    severity: r.required(info, "severity", `${p}.severity`),
    certainty: r.required(info, "certainty", `${p}.certainty`),
    eventCodes: values(info, "eventCode"),
    ...infoTexts(info, p, r),
    parameters: values(info, "parameter"),
    areas: kids(info, "area").map(readArea),
  };
}

function readCap(root: XmlElement): ParsedMessage {
  const r = new FieldReader();
  const alert: CapAlert = {
    identifier: r.required(root, "identifier", "identifier"),
    sender: r.required(root, "sender", "sender"),
    sent: r.time(root, "sent", "sent", true) ?? new Date(0),
    status: r.required(root, "status", "status"),
    msgType: r.required(root, "msgType", "msgType"),
    scope: r.required(root, "scope", "scope"),
    codes: kids(root, "code").map((c) => c.text),
    note: kidText(root, "note"),
    references: parseReferences(kidText(root, "references")),
    infos: kids(root, "info").map((info, i) => readInfo(info, i, r)),
  };
  r.done("CAP message is incomplete");
  const signed = root.children.some((c) => c.name === "Signature" && c.ns === DSIG_NS);
  return { format: "cap-1.2", alert, signed };
}

/** The message in `text`, or a 4xx naming why it is not one we accept. */
export function parseMessage(text: string): ParsedMessage {
  const root = parseXml(text);
  if (root.name === "alert" && root.ns === CAP_NS) return readCap(root);
  if (root.name === "alert" && root.ns === null) return readNational(root);
  if (root.name === "alerts") {
    const n = root.children.filter((c) => c.name === "alert").length;
    throw new AppError(
      "validation_failed",
      `<alerts> wrapping ${n} alerts is not a CAP message (CAP 1.2 has one <alert> per document): post each alert on its own`,
      {
        extra: { xmlProblem: "not_cap", root: "alerts", alerts: n },
      },
    );
  }
  const what =
    root.name === "alert"
      ? `<alert> in namespace ${root.ns} (only CAP 1.2, ${CAP_NS}, is accepted)`
      : `root element <${root.name}>`;
  throw new AppError("validation_failed", `${what} is not a CAP 1.2 or national-format warning`, {
    extra: { xmlProblem: "not_cap", root: root.name, namespace: root.ns },
  });
}
