// What a registration must satisfy beyond its shape: a real county, villages of that
// county, and a signer able to verify when a certificate is given.
import type { Db } from "../../db/client.js";
import { getArea, getAreas } from "../../db/queries/areas.js";
import type { FieldError } from "../../lib/errors.js";
import { validationError } from "../../lib/errors.js";
import type { SignerConfig } from "../../../channels/eb/config.js";

export async function checkPlatform(
  db: Db,
  p: { areaCode: string; villages: string[] | null; signer: SignerConfig; certificate: string | null },
): Promise<void> {
  const errors: FieldError[] = [];
  const county = await getArea(db, p.areaCode);
  if (!county || county.kind !== "county") {
    errors.push({
      path: "areaCode",
      code: county ? "not_county" : "unknown_area",
      message: county ? `${p.areaCode} is a ${county.kind}, not a county` : `unknown area ${p.areaCode}`,
    });
  }
  if (p.villages) {
    const found = new Map((await getAreas(db, p.villages)).map((a) => [a.code, a]));
    const bad = p.villages.filter((v) => found.get(v)?.kind !== "village" || v.slice(0, 6) !== p.areaCode.slice(0, 6));
    if (bad.length > 0)
      errors.push({
        path: "villages",
        code: "not_county_village",
        message: `not villages of county ${p.areaCode}: ${bad.slice(0, 20).join(", ")}`,
      });
  }
  if (p.certificate && p.signer.kind !== "http") {
    errors.push({
      path: "certificate",
      code: "needs_http_signer",
      message: "verifying a platform's signatures needs signer kind 'http' (the signing service verifies SM2)",
    });
  }
  if (errors.length > 0) throw validationError(errors);
}
