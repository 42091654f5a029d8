// One EBD round trip with a county platform: sign, pack, POST as multipart (part `file`,
// `EBDT_<EBDID>.tar`), and read the synchronous answer, itself an EBD package. Reading
// is shared with /eb/access: unpack with caps, parse hardened, check the source is the
// platform and, when it has a certificate, that the signature verifies.
import { ChannelError } from "../contract.js";
import { AppError } from "../../src/lib/errors.js";
import type { SignerConfig, VendorOptions } from "./config.js";
import { ebdDocument, signatureDocument, type Envelope } from "./messages.js";
import { packEbd, PACKAGE_LIMITS, unpackEbd, type PackageLimits } from "./package.js";
import { parseSignature, readEbd, type ParsedEbd } from "./parse.js";
import { signerFor, SignerError } from "./signer.js";
import type { XmlNode } from "./xml-write.js";

export interface PlatformPeer {
  id: string;
  url: string;
  resourceCode: string;
  signer: SignerConfig;
  certificate: string | null;
  options: VendorOptions;
}

export async function buildPackage(
  peer: PlatformPeer,
  e: Envelope,
  payload: XmlNode,
  fetchImpl?: typeof fetch,
): Promise<Uint8Array> {
  const data = ebdDocument(e, payload);
  const bytes = new TextEncoder().encode(data);
  const sig = await signerFor(peer.signer, fetchImpl).sign(bytes);
  return packEbd(e.ebdId, data, signatureDocument(e.ebdId, sig), peer.options.memberOrder);
}

/** Unpacks and reads a package from `peer` (or from whichever platform `find` names by
 * its SRC/EBRID); refuses an unknown source and, with a certificate, a bad signature. */
export async function readPackage(
  bytes: Uint8Array,
  find: (sourceEbrid: string) => Promise<PlatformPeer | null>,
  o: { limits?: PackageLimits; fetchImpl?: typeof fetch } = {},
): Promise<{ ebd: ParsedEbd; peer: PlatformPeer }> {
  const limits = o.limits ?? PACKAGE_LIMITS;
  const pkg = await unpackEbd(bytes, limits);
  const ebd = readEbd(pkg.data, limits.maxMemberBytes);
  if (ebd.ebdId !== pkg.ebdId) {
    throw new AppError("validation_failed", `EBDID ${ebd.ebdId} does not match the file name EBDB_${pkg.ebdId}.xml`, {
      extra: { ebProblem: "ebdid_mismatch" },
    });
  }
  const peer = await find(ebd.source);
  if (!peer) {
    throw new AppError("forbidden", `source EBRID ${ebd.source} is not a registered broadcast platform`, {
      extra: { ebProblem: "unknown_source", ebrid: ebd.source },
    });
  }
  if (peer.certificate) {
    if (!pkg.signature)
      throw new AppError(
        "forbidden",
        `platform ${peer.resourceCode} signs its packages but EBDS_EBDB_${pkg.ebdId}.xml is missing`,
        { extra: { ebProblem: "signature_missing" } },
      );
    const sig = parseSignature(pkg.signature, limits.maxMemberBytes);
    let valid = false;
    try {
      valid =
        sig.relatedEbdId === ebd.ebdId &&
        (await signerFor(peer.signer, o.fetchImpl).verify(pkg.data, sig, peer.certificate));
    } catch (e) {
      if (!(e instanceof SignerError)) throw e;
      // Unverifiable is refused like invalid; the platform resends, as for any non-1 answer.
      throw new AppError("forbidden", `signature could not be verified: ${e.message}`, {
        extra: { ebProblem: "signature_unverifiable" },
      });
    }
    if (!valid)
      throw new AppError(
        "forbidden",
        `signature of EBD ${ebd.ebdId} does not verify against platform ${peer.resourceCode}'s certificate`,
        { extra: { ebProblem: "bad_signature" } },
      );
  }
  return { ebd, peer };
}

const transient = (status: number) => status >= 500 || status === 408 || status === 429;

/** POSTs one package and reads the answer. Failures are ChannelErrors saying whether a retry can help. */
export async function exchange(
  peer: PlatformPeer,
  e: Envelope,
  payload: XmlNode,
  fetchImpl: typeof fetch = fetch,
): Promise<ParsedEbd> {
  let tar: Uint8Array;
  try {
    tar = await buildPackage(peer, e, payload, fetchImpl);
  } catch (err) {
    if (err instanceof SignerError) throw new ChannelError(err.message, "eb_signer", err.retryable);
    throw err;
  }
  const form = new FormData();
  form.append("file", new Blob([tar], { type: "application/octet-stream" }), `EBDT_${e.ebdId}.tar`);
  let res: Response;
  try {
    res = await fetchImpl(peer.url, {
      method: "POST",
      body: form,
      signal: AbortSignal.timeout(peer.options.timeoutMs),
    });
  } catch (err) {
    const msg =
      (err as Error).name === "TimeoutError" ? `no answer within ${peer.options.timeoutMs} ms` : (err as Error).message;
    throw new ChannelError(`platform ${peer.resourceCode} unreachable: ${msg}`, "eb_unreachable", true);
  }
  const body = new Uint8Array(await res.arrayBuffer());
  if (!res.ok) {
    const retryAfter = Number(res.headers.get("retry-after"));
    throw new ChannelError(
      `platform ${peer.resourceCode} answered HTTP ${res.status}`,
      `eb_http_${res.status}`,
      transient(res.status),
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
    );
  }
  try {
    // The answer comes from the platform we called: its SRC/EBRID must be that platform's.
    const { ebd } = await readPackage(body, async (src) => (src === peer.resourceCode ? peer : null), { fetchImpl });
    return ebd;
  } catch (err) {
    if (err instanceof AppError)
      throw new ChannelError(
        `platform ${peer.resourceCode} answered with an unusable package: ${err.message}`,
        "eb_bad_answer",
        true,
      );
    throw err;
  }
}
