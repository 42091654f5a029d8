// What an XML body must pass before a parser sees it. Warnings come from outside, so
// every refusal is a 4xx naming the problem: too large, an unknown encoding, DTDs.
import { AppError } from "../lib/errors.js";

export const XML_LIMITS = {
  maxBytes: 1024 * 1024,
  /** CAP nests 4 levels; an enveloped XML signature adds about 5 more. */
  maxDepth: 32,
} as const;

function declaredEncoding(bytes: Uint8Array): string | undefined {
  const head = String.fromCharCode(...bytes.subarray(0, 200));
  return /^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/.exec(head)?.[1];
}

/** What the first bytes alone prove: a byte-order mark, or `<?` in UTF-16 without one
 * (XML 1.0 Appendix F). Either overrides any label. */
function sniffed(b: Uint8Array): string | undefined {
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return "utf-8";
  if (b[0] === 0xff && b[1] === 0xfe) return "utf-16le";
  if (b[0] === 0xfe && b[1] === 0xff) return "utf-16be";
  if (b[0] === 0x3c && b[1] === 0x00 && b[2] === 0x3f && b[3] === 0x00) return "utf-16le";
  if (b[0] === 0x00 && b[1] === 0x3c && b[2] === 0x00 && b[3] === 0x3f) return "utf-16be";
  return undefined;
}

function decoderFor(label: string): InstanceType<typeof TextDecoder> | undefined {
  try {
    return new TextDecoder(label, { fatal: true, ignoreBOM: false });
  } catch {
    return undefined;
  }
}

/** Bytes → text in whatever encoding the message names: byte-order mark first, then the
 * HTTP charset, then the XML declaration, else UTF-8. Any encoding the WHATWG Encoding
 * Standard knows is read (USGS sends ISO-8859-1, Chinese platforms GBK or GB18030); only
 * a name it does not know is a 415, and bytes that are not what they claim are a 400.
 * ISO-8859-1 is read as windows-1252, as browsers do: its C1 controls never occur in CAP. */
export function decodeXml(bytes: Uint8Array, charset?: string, maxBytes: number = XML_LIMITS.maxBytes): string {
  if (bytes.byteLength > maxBytes) {
    throw new AppError("payload_too_large", `XML body exceeds ${maxBytes} bytes`, { extra: { maxBytes } });
  }
  if (bytes.byteLength === 0)
    throw new AppError("bad_request", "body is empty; a CAP 1.2 or national-format XML message is required");
  const proven = sniffed(bytes);
  // A sender that labels the body over HTTP and in the declaration may disagree (a relay
  // adding charset=utf-8 to a GBK message); the first label the bytes are valid in wins.
  const named = [charset, declaredEncoding(bytes)].filter((l) => l !== undefined);
  const labels = proven ? [proven] : named.length > 0 ? [...new Set(named)] : ["utf-8"];
  let tried: string | undefined;
  for (const label of labels) {
    const decoder = decoderFor(label);
    if (!decoder) continue;
    tried ??= decoder.encoding;
    // Bytes whose declaration reads byte by byte are not UTF-16, whatever the label says.
    if (!proven && decoder.encoding.startsWith("utf-16")) continue;
    try {
      return decoder.decode(bytes);
    } catch {
      // not this one: try the next label
    }
  }
  if (tried) throw new AppError("bad_request", `body is not valid ${tried} text`, { extra: { encoding: tried } });
  const unknown = labels[0]!.toLowerCase();
  const detail = `XML encoding ${unknown} cannot be decoded; send UTF-8, GB18030, GBK or another standard encoding`;
  throw new AppError("unsupported_media_type", detail, { extra: { encoding: unknown } });
}

/** DTDs are where entity expansion (billion laughs) and external entities (XXE) live;
 * CAP needs neither, so any DOCTYPE or ENTITY declaration is refused before parsing. */
export function refuseDtd(text: string): void {
  const m = /<!(DOCTYPE|ENTITY)/i.exec(text);
  if (m) {
    throw new AppError(
      "bad_request",
      `XML with a document type declaration (<!${m[1]!.toUpperCase()}) is not accepted: CAP needs no DTD and entity declarations are unsafe`,
      {
        extra: { xmlProblem: "dtd_forbidden" },
      },
    );
  }
}
