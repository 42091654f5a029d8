// The EBD tar (GD/J 083): `EBDB_<EBDID>.xml` (the data), `EBDS_EBDB_<EBDID>.xml` (its
// signature) and any resources the data names. Packages come from outside, so unpacking
// checks every member's header (name, type, declared size, count) before reading its
// body: a tar bomb or a path-traversal name is refused before it costs anything.
import { extract, pack } from "tar-stream";
import { AppError } from "../../src/lib/errors.js";

export const PACKAGE_LIMITS = {
  /** Data, signature and a few resources; pushed state reports carry two. */
  maxMembers: 8,
  maxMemberBytes: 1024 * 1024,
  maxTotalBytes: 2 * 1024 * 1024,
} as const;
export type PackageLimits = { maxMembers: number; maxMemberBytes: number; maxTotalBytes: number };

export interface EbdPackage {
  ebdId: string;
  data: Uint8Array;
  signature: Uint8Array | null;
  members: string[];
}

const DATA = /^EBDB_([0-9A-Za-z]{1,64})\.xml$/;
const refuse = (
  status: "bad_request" | "payload_too_large",
  problem: string,
  detail: string,
  extra: Record<string, unknown> = {},
) => new AppError(status, detail, { extra: { ebProblem: problem, ...extra } });

export const dataFileName = (ebdId: string) => `EBDB_${ebdId}.xml`;
export const signatureFileName = (ebdId: string) => `EBDS_EBDB_${ebdId}.xml`;

export async function packEbd(
  ebdId: string,
  data: string,
  signature: string,
  order: "data-first" | "signature-first" = "data-first",
): Promise<Uint8Array> {
  const members: [string, string][] = [
    [dataFileName(ebdId), data],
    [signatureFileName(ebdId), signature],
  ];
  if (order === "signature-first") members.reverse();
  const p = pack();
  const mtime = new Date();
  for (const [name, text] of members) p.entry({ name, mtime, mode: 0o644 }, Buffer.from(text, "utf8"));
  p.finalize();
  const chunks: Uint8Array[] = [];
  for await (const c of p) chunks.push(c as Uint8Array);
  return new Uint8Array(Buffer.concat(chunks));
}

/** Why a member name is unsafe to honour, or null. */
export function unsafeName(name: string): string | null {
  if (name.includes("\0")) return "contains a NUL byte";
  if (name.startsWith("/") || /^[A-Za-z]:/.test(name)) return "is an absolute path";
  if (name.includes("\\")) return "contains a backslash";
  if (name.split("/").includes("..")) return "climbs out with '..'";
  return null;
}

export async function unpackEbd(bytes: Uint8Array, limits: PackageLimits = PACKAGE_LIMITS): Promise<EbdPackage> {
  if (bytes.byteLength === 0) throw refuse("bad_request", "empty", "the EBD package is empty");
  if (bytes.byteLength > limits.maxTotalBytes) {
    throw refuse("payload_too_large", "package_too_large", `the EBD package exceeds ${limits.maxTotalBytes} bytes`, {
      maxBytes: limits.maxTotalBytes,
    });
  }
  const files = new Map<string, Uint8Array>();
  const ex = extract();
  ex.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  let total = 0;
  try {
    for await (const entry of ex) {
      const h = entry.header;
      const name = h.name.replace(/^\.\//, "");
      const why = unsafeName(h.name);
      if (why) throw refuse("bad_request", "unsafe_member_name", `tar member '${h.name}' ${why}`, { member: h.name });
      if (h.type === "directory" && name.replace(/\/$/, "") === "") {
        entry.resume();
        continue;
      }
      if (h.type !== "file")
        throw refuse("bad_request", "member_not_a_file", `tar member '${h.name}' is a ${h.type}, not a file`, {
          member: h.name,
        });
      if (files.size + 1 > limits.maxMembers) {
        throw refuse(
          "payload_too_large",
          "too_many_members",
          `the EBD package has more than ${limits.maxMembers} members`,
          { maxMembers: limits.maxMembers },
        );
      }
      const size = h.size ?? 0;
      total += size;
      if (size > limits.maxMemberBytes || total > limits.maxTotalBytes) {
        throw refuse(
          "payload_too_large",
          "member_too_large",
          `tar member '${h.name}' declares ${size} bytes; ` +
            `at most ${limits.maxMemberBytes} per member and ${limits.maxTotalBytes} in all`,
          {
            member: h.name,
            maxMemberBytes: limits.maxMemberBytes,
          },
        );
      }
      if (files.has(name))
        throw refuse("bad_request", "duplicate_member", `tar member '${name}' appears twice`, { member: name });
      const parts: Uint8Array[] = [];
      for await (const c of entry) parts.push(c as Uint8Array);
      files.set(name, new Uint8Array(Buffer.concat(parts)));
    }
  } catch (e) {
    ex.destroy();
    if (e instanceof AppError) throw e;
    throw refuse("bad_request", "not_a_tar", `the EBD package is not a readable tar: ${(e as Error).message}`);
  }
  const data = [...files.keys()].filter((n) => DATA.test(n));
  if (data.length !== 1) {
    throw refuse(
      "bad_request",
      data.length === 0 ? "no_data_file" : "several_data_files",
      data.length === 0
        ? "the EBD package holds no EBDB_<EBDID>.xml"
        : `the EBD package holds ${data.length} data files`,
      { members: [...files.keys()] },
    );
  }
  const ebdId = DATA.exec(data[0]!)![1]!;
  return {
    ebdId,
    data: files.get(data[0]!)!,
    signature: files.get(signatureFileName(ebdId)) ?? null,
    members: [...files.keys()],
  };
}
