import { z } from "zod";
import type { EbPlatform } from "../../db/queries/eb-platforms.js";
import { EBRID, signerConfigSchema, vendorOptionsSchema } from "../../../channels/eb/config.js";
import { isAreaCode } from "../../domain/areas.js";

const httpUrl = z.url().refine((u) => /^https?:\/\//.test(u), "an http(s) URL");

/** Fields an admin sets; PATCH takes any of them (`villages: null` → the county's). */
export const platformFields = {
  name: z.string().trim().min(1).max(100),
  areaCode: z.string().regex(/^\d{6}000000$/, "a county's 12-digit code (…000000)"),
  url: httpUrl,
  resourceCode: EBRID,
  villages: z.array(z.string().refine(isAreaCode, "not an area code")).min(1).max(5000).nullable(),
  signer: signerConfigSchema,
  certificate: z.string().trim().min(1).max(16_384).nullable(),
  options: vendorOptionsSchema.partial(),
  heartbeatSeconds: z.number().int().min(60).max(86_400),
  heartbeatMisses: z.number().int().min(1).max(100),
};

export const platformDto = (p: EbPlatform) => ({
  id: p.id,
  name: p.name,
  areaCode: p.areaCode,
  url: p.url,
  resourceCode: p.resourceCode,
  /** null: every village of its county. */
  villages: p.villages,
  signer: p.signer,
  verifiesSignatures: p.certificate !== null,
  options: p.options,
  heartbeatSeconds: p.heartbeatSeconds,
  heartbeatMisses: p.heartbeatMisses,
  state: p.state,
  stateReason: p.stateReason,
  stateChangedAt: p.stateChangedAt?.toISOString() ?? null,
  lastSeenAt: p.lastSeenAt?.toISOString() ?? null,
  active: p.active,
  createdAt: p.createdAt.toISOString(),
  updatedAt: p.updatedAt.toISOString(),
});
