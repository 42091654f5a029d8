// Reading EBD XML from a platform: through the hardened reader (no DTDs or entities,
// bounded depth and size), then the envelope and the payloads we act on. A missing
// required field is a 422 naming it.
import { decodeXml } from "../../src/cap/harden.js";
import { kid, kids, kidText, parseXml, type XmlElement } from "../../src/cap/xml.js";
import { AppError, validationError, type FieldError } from "../../src/lib/errors.js";
import type { VendorOptions } from "./config.js";
import { parseBeijingTime } from "./ids.js";
import type { SignatureFields } from "./messages.js";

export interface ParsedEbd {
  ebdId: string;
  type: string;
  source: string;
  dest: string | undefined;
  related: string | undefined;
  time: Date | null;
  payload: XmlElement;
}

const need = (errors: FieldError[], path: string, v: string | undefined) => {
  if (!v) errors.push({ path, message: "required", code: "missing" });
  return v ?? "";
};

export function readEbd(bytes: Uint8Array, maxBytes: number): ParsedEbd {
  const root = parseXml(decodeXml(bytes, undefined, maxBytes));
  if (root.name !== "EBD") {
    throw new AppError("validation_failed", `the data file's root is <${root.name}>, not <EBD>`, {
      extra: { ebProblem: "not_ebd", root: root.name },
    });
  }
  const errors: FieldError[] = [];
  const ebdId = need(errors, "EBD.EBDID", kidText(root, "EBDID"));
  const type = need(errors, "EBD.EBDType", kidText(root, "EBDType"));
  const src = kid(root, "SRC");
  const source = need(errors, "EBD.SRC.EBRID", src && kidText(src, "EBRID"));
  const dest = kid(root, "DEST");
  const related = kid(root, "RelatedEBD");
  const payload = type ? kid(root, type) : undefined;
  if (type && !payload)
    errors.push({
      path: `EBD.${type}`,
      message: `EBDType is ${type} but there is no <${type}> element`,
      code: "missing",
    });
  if (errors.length > 0) throw validationError(errors);
  return {
    ebdId,
    type,
    source,
    dest: dest && kidText(dest, "EBRID"),
    related: related && kidText(related, "EBDID"),
    time: parseBeijingTime(kidText(root, "EBDTime")),
    payload: payload!,
  };
}

export function parseEbdResponse(p: XmlElement): { code: number; desc: string } {
  const code = Number(kidText(p, "ResultCode"));
  if (!Number.isInteger(code))
    throw validationError([{ path: "EBDResponse.ResultCode", message: "required, an integer", code: "missing" }]);
  return { code, desc: kidText(p, "ResultDesc") ?? "" };
}

export interface CoverageEntry {
  areaCode: string;
  rate: number | null;
  resBrdStat: string | null;
}
export type TerminalResult = Record<string, string | number | null>;

export interface StateReport {
  ebmId: string;
  /** 0 not processed, 1 waiting, 2 broadcasting, 3 succeeded, 4 failed, 5 cancelled. */
  code: number;
  desc: string;
  at: Date | null;
  coverage: CoverageEntry[];
  terminals: TerminalResult[];
}

/** Rates come as 0–1 or 0–100 depending on the vendor; a percentage element is always 0–100. */
function rate(c: XmlElement, o: VendorOptions): number | null {
  const other = o.coverageElement === "CoverageRate" ? "CoveragePercent" : "CoverageRate";
  const named = kidText(c, o.coverageElement) !== undefined ? o.coverageElement : other;
  const v = Number(kidText(c, named));
  if (kidText(c, named) === undefined || !Number.isFinite(v) || v < 0) return null;
  return named === "CoveragePercent" || v > 1 ? Math.min(1, v / 100) : v;
}

function terminals(item: XmlElement): TerminalResult[] {
  const info = kid(item, "ResBrdInfo");
  if (!info) return [];
  return kids(info, "ResBrdItem").flatMap((ri) => {
    const res = ["EBRAS", "EBRST", "EBRPS"].map((n) => kid(ri, n)).find(Boolean);
    return kids(ri, "EBRBS").map((bs) => ({
      ebrid: (res && kidText(res, "EBRID")) ?? kidText(bs, "EBRID") ?? null,
      brdSysType: kidText(bs, "BrdSysType") ?? null,
      rptTime: kidText(bs, "RptTime") ?? null,
      startTime: kidText(bs, "StartTime") ?? null,
      endTime: kidText(bs, "EndTime") ?? null,
      fileUrl: kidText(bs, "FileURL") ?? null,
      brdStateCode: kidText(bs, "BrdStateCode") === undefined ? null : Number(kidText(bs, "BrdStateCode")),
      brdStateDesc: kidText(bs, "BrdStateDesc") ?? null,
    }));
  });
}

/** One broadcast's state: the body of an EBMStateResponse or of an EBMBrdItem. */
function stateOf(item: XmlElement, path: string, o: VendorOptions, rptTime?: string): StateReport {
  const errors: FieldError[] = [];
  const ebm = kid(item, "EBM");
  const ebmId = need(errors, `${path}.EBM.EBMID`, ebm && kidText(ebm, "EBMID"));
  const raw = kidText(item, "BrdStateCode");
  const code = Number(raw);
  if (raw === undefined) errors.push({ path: `${path}.BrdStateCode`, message: "required", code: "missing" });
  else if (!Number.isInteger(code) || code < 0 || code > 5)
    errors.push({ path: `${path}.BrdStateCode`, message: "must be 0–5", code: "invalid" });
  if (errors.length > 0) throw validationError(errors);
  return {
    ebmId,
    code,
    desc: kidText(item, "BrdStateDesc") ?? "",
    at: parseBeijingTime(kidText(item, "RptTime") ?? rptTime),
    coverage: kids(item, "Coverage").map((c) => ({
      areaCode: kidText(c, "AreaCode") ?? "",
      rate: rate(c, o),
      resBrdStat: kidText(c, "ResBrdStat") ?? null,
    })),
    terminals: terminals(item),
  };
}

export const parseStateResponse = (p: XmlElement, o: VendorOptions): StateReport => stateOf(p, "EBMStateResponse", o);

export function parseBrdLog(p: XmlElement, o: VendorOptions): StateReport[] {
  const params = kid(p, "Params");
  const items = kids(p, "EBMBrdItem");
  if (items.length === 0)
    throw validationError([
      { path: "EBMBrdLog.EBMBrdItem", message: "at least one item is required", code: "missing" },
    ]);
  return items.map((it, i) => stateOf(it, `EBMBrdLog.EBMBrdItem[${i}]`, o, params && kidText(params, "RptEndTime")));
}

export function parseSignature(bytes: Uint8Array, maxBytes: number): SignatureFields & { relatedEbdId: string } {
  const root = parseXml(decodeXml(bytes, undefined, maxBytes));
  const errors: FieldError[] = [];
  if (root.name !== "Signature") errors.push({ path: "Signature", message: `root is <${root.name}>`, code: "invalid" });
  const rel = kid(root, "RelatedEBD");
  const relatedEbdId = need(errors, "Signature.RelatedEBD.EBDID", rel && kidText(rel, "EBDID"));
  const value = need(errors, "Signature.SignatureValue", kidText(root, "SignatureValue"));
  if (errors.length > 0)
    throw validationError(errors, `signature file: ${errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`);
  return {
    relatedEbdId,
    value,
    certSn: kidText(root, "CertSN") ?? "",
    algorithm: kidText(root, "SignatureAlgorithm") ?? "SM2-SM3",
  };
}
