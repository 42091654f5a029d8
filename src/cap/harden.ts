// What an XML body must pass before a parser sees it. Warnings come from outside, so
// every refusal is a 4xx naming the problem: too large, wrong encoding, DTDs.
import { AppError } from "../lib/errors.js";

export const XML_LIMITS = {
  maxBytes: 1024 * 1024,
  /** CAP nests 4 levels; an enveloped XML signature adds about 5 more. */
  maxDepth: 32,
} as const;

// The encodings upstream platforms in China actually send; anything else is refused
// rather than decoded wrongly.
const ENCODINGS: Record<string, string> = {
  "utf-8": "utf-8", utf8: "utf-8", gbk: "gbk", gb2312: "gbk", gb18030: "gb18030", "utf-16": "utf-16le",
};

function declaredEncoding(bytes: Uint8Array): string | undefined {
  const head = String.fromCharCode(...bytes.subarray(0, 200));
  return /^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head)?.[1];
}

/** Bytes → text: byte-order mark first, then the charset parameter, then the declaration. */
export function decodeXml(bytes: Uint8Array, charset?: string, maxBytes: number = XML_LIMITS.maxBytes): string {
  if (bytes.byteLength > maxBytes) {
    throw new AppError("payload_too_large", `XML body exceeds ${maxBytes} bytes`, { extra: { maxBytes } });
  }
  if (bytes.byteLength === 0) throw new AppError("bad_request", "body is empty; a CAP 1.2 or national-format XML message is required");
  let label: string;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) label = "utf-8";
  else if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) label = bytes[0] === 0xff ? "utf-16le" : "utf-16be";
  else {
    const named = (charset ?? declaredEncoding(bytes) ?? "utf-8").toLowerCase();
    const known = ENCODINGS[named];
    if (!known) {
      throw new AppError("unsupported_media_type", `XML encoding ${named} is not accepted; send UTF-8, GBK or GB18030`, { extra: { encoding: named } });
    }
    label = known;
  }
  try {
    return new TextDecoder(label, { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new AppError("bad_request", `body is not valid ${label} text`);
  }
}

/** DTDs are where entity expansion (billion laughs) and external entities (XXE) live;
 * CAP needs neither, so any DOCTYPE or ENTITY declaration is refused before parsing. */
export function refuseDtd(text: string): void {
  const m = /<!(DOCTYPE|ENTITY)/i.exec(text);
  if (m) {
    throw new AppError("bad_request", `XML with a document type declaration (<!${m[1]!.toUpperCase()}) is not accepted: CAP needs no DTD and entity declarations are unsafe`, {
      extra: { xmlProblem: "dtd_forbidden" },
    });
  }
}
