// Shared by the CAP tests: the official XSD through xmllint, and the real sample messages.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestContext, TestUser } from "../helpers/context.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/cap/", import.meta.url));
export const XSD = join(FIXTURES, "CAP-v1.2.xsd");

export const sample = (name: string) => readFileSync(join(FIXTURES, "samples", name), "utf8");
export const sampleNames = () =>
  readdirSync(join(FIXTURES, "samples"))
    .filter((f) => f.endsWith(".xml"))
    .sort();

/** xmllint's verdict on `xml` against the official CAP 1.2 schema. */
export function validateCap(xml: string): { valid: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), "cap-xsd-"));
  const file = join(dir, "alert.xml");
  writeFileSync(file, xml);
  try {
    const out = execFileSync("xmllint", ["--noout", "--nonet", "--schema", XSD, file], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    return { valid: true, output: out };
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string };
    return { valid: false, output: `${err.stdout ?? ""}${err.stderr ?? ""}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function postCap(
  c: TestContext,
  xml: string | Uint8Array,
  opts: { key?: string | null; type?: string; user?: TestUser } = {},
) {
  const headers: Record<string, string> = { "content-type": opts.type ?? "application/cap+xml" };
  const key = opts.key === undefined ? (opts.user ?? c.users.issuer).key : opts.key;
  if (key) headers.authorization = `Bearer ${key}`;
  return Promise.resolve(c.app.request("/api/v1/cap", { method: "POST", headers, body: xml }));
}

export async function getCap(c: TestContext, id: string, key: string | null = c.users.viewer.key) {
  return Promise.resolve(
    c.app.request(`/api/v1/warnings/${id}/cap`, { headers: key ? { authorization: `Bearer ${key}` } : {} }),
  );
}
