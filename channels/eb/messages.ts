// The EBD documents we write (GD/J 082/083 as three vendors implement them; see
// shared/EB-PLATFORM.md): the envelope, the EBM, the state query, the heartbeat, our
// answers and the signature file. Element names that vendors spell differently come
// from the platform's options.
import { beijingTime } from "./ids.js";
import type { LanguageCodeForm, VendorOptions } from "./config.js";
import { xmlDocument, type XmlNode } from "./xml-write.js";

export interface Envelope {
  ebdId: string;
  type: string;
  source: string;
  dest?: string | undefined;
  related?: string | undefined;
  time: Date;
}

export function ebdDocument(e: Envelope, payload: XmlNode): string {
  return xmlDocument([
    "EBD",
    [
      ["EBDVersion", "1.0"],
      ["EBDID", e.ebdId],
      ["EBDType", e.type],
      ["SRC", [["EBRID", e.source]]],
      e.dest ? ["DEST", [["EBRID", e.dest]]] : null,
      ["EBDTime", beijingTime(e.time)],
      e.related ? ["RelatedEBD", [["EBDID", e.related]]] : null,
      payload,
    ],
  ]);
}

/** GD/J 082 Severity: 1 特别重大 (red) … 4 一般 (blue). */
export const SEVERITY = { red: 1, orange: 2, yellow: 3, blue: 4 } as const;

const LANGUAGE_CODES: Record<LanguageCodeForm, Record<"zh" | "mn", string>> = {
  alpha3b: { zh: "chi", mn: "mon" },
  alpha3t: { zh: "zho", mn: "mon" },
  alpha2: { zh: "zh", mn: "mn" },
};
export const languageCode = (form: LanguageCodeForm, language: "zh" | "mn") => LANGUAGE_CODES[form][language];

export interface EbmInput {
  ebmId: string;
  /** 1 broadcast, 2 cancel the broadcast `relatedEbmId`. */
  msgType: 1 | 2;
  relatedEbmId?: string | undefined;
  senderName: string;
  senderCode: string;
  sendTime: Date;
  /** National event code (11B03 暴雨 …); unknown types send 00000. */
  eventType: string;
  severity: number;
  startTime: Date;
  endTime: Date;
  language: "zh" | "mn";
  title: string;
  /** The text the platform reads out. */
  description: string;
  /** 12-digit codes of the targeted villages the platform reaches. */
  areaCodes: readonly string[];
}

export function ebmPayload(m: EbmInput, o: VendorOptions): XmlNode {
  const cancel = m.msgType === 2;
  return [
    "EBM",
    [
      ["EBMVersion", "1"],
      ["EBMID", m.ebmId],
      m.relatedEbmId ? [o.relatedElement, [["EBMID", m.relatedEbmId]]] : null,
      [
        "MsgBasicInfo",
        [
          ["MsgType", m.msgType],
          ["SenderName", m.senderName],
          ["SenderCode", m.senderCode],
          [o.sendTimeElement, beijingTime(m.sendTime)],
          // A cancel names only the broadcast it stops (GD/J 082: "unless cancelling").
          cancel ? null : ["EventType", m.eventType],
          cancel ? null : ["Severity", m.severity],
          cancel ? null : ["StartTime", beijingTime(m.startTime)],
          cancel ? null : ["EndTime", beijingTime(m.endTime)],
        ],
      ],
      cancel
        ? null
        : [
            "MsgContent",
            [
              ["LanguageCode", languageCode(o.languageCodeForm, m.language)],
              ["MsgTitle", m.title],
              ["MsgDesc", m.description],
              ["AreaCode", m.areaCodes.join(",")],
            ],
          ],
    ],
  ];
}

export const stateRequestPayload = (ebmId: string): XmlNode => ["EBMStateRequest", [["EBM", [["EBMID", ebmId]]]]];

export const connectionCheckPayload = (at: Date): XmlNode => ["ConnectionCheck", [["RptTime", beijingTime(at)]]];

/** ResultCode: 1 received and valid, 0 received not processed, 2 parse failure, 3 content
 * missing, 4 signature check failed, 5 other error. */
export const responsePayload = (code: number, desc: string): XmlNode => [
  "EBDResponse",
  [
    ["ResultCode", code],
    ["ResultDesc", desc],
  ],
];

export interface SignatureFields {
  certSn: string;
  algorithm: string;
  value: string;
}

export function signatureDocument(relatedEbdId: string, s: SignatureFields): string {
  return xmlDocument([
    "Signature",
    [
      ["Version", "1.0"],
      ["RelatedEBD", [["EBDID", relatedEbdId]]],
      ["CertSN", s.certSn],
      ["SignatureAlgorithm", s.algorithm],
      ["SignatureValue", s.value],
    ],
  ]);
}
