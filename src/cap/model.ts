// A CAP 1.2 alert as a typed value. Field order follows the OASIS schema, so the builder
// can emit it in schema order by construction; the parsers fill the same shape.

export const CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2";
export const DSIG_NS = "http://www.w3.org/2000/09/xmldsig#";

export interface CapValue {
  valueName: string;
  value: string;
}

/** One `sender,identifier,sent` triple of `references` (`sent` kept as written). */
export interface CapReference {
  sender: string;
  identifier: string;
  sent: string;
}

export interface CapArea {
  areaDesc: string;
  /** Each ring as CAP writes it: space-separated `lat,lon` pairs, first = last. */
  polygons: string[];
  circles: string[];
  geocodes: CapValue[];
}

export interface CapInfo {
  language: string;
  categories: string[];
  event: string;
  urgency: string;
  severity: string;
  certainty: string;
  eventCodes: CapValue[];
  effective?: Date | undefined;
  onset?: Date | undefined;
  expires?: Date | undefined;
  senderName?: string | undefined;
  headline?: string | undefined;
  description?: string | undefined;
  instruction?: string | undefined;
  web?: string | undefined;
  parameters: CapValue[];
  areas: CapArea[];
}

export interface CapAlert {
  identifier: string;
  sender: string;
  sent: Date;
  status: string;
  msgType: string;
  scope: string;
  codes: string[];
  note?: string | undefined;
  references: CapReference[];
  infos: CapInfo[];
}

/** Our own names for eventCode / parameter / geocode entries (documented in the README). */
export const VALUE_NAMES = {
  /** Our warning type id, e.g. `rainstorm`: exact on re-import even for types without a national code. */
  type: "warncast:type",
  /** National event type code (国家预警信息发布系统), e.g. 11B03 for 暴雨. */
  nationalEventType: "CN-eventType",
  /** Our level id, e.g. `orange`. */
  level: "warncast:level",
  /** National colour name, e.g. 橙色. */
  colour: "CN-alertColor",
  /** 12-digit NBS statistical division code (统计用区划代码). */
  areaCode: "CN-NBS-areaCode",
  /** A grid (网格): `<village code>-NN`. */
  grid: "warncast:grid",
} as const;
