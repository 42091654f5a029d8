import { z } from "zod";
import type { Agency } from "../../db/queries/agencies.js";
import { AGENCY_CODE, CAP_SENDER, SMS_SIGNATURE } from "../../domain/agency.js";
import { isAreaCode } from "../../domain/areas.js";
import { WARNING_TYPES } from "../../domain/vocabulary.js";

export const agencyDto = (a: Agency) => ({
  code: a.code,
  name: a.name,
  senderId: a.senderId,
  smsSignature: a.smsSignature,
  types: a.types,
  areaScope: a.areaScope,
  createdAt: a.createdAt.toISOString(),
  updatedAt: a.updatedAt.toISOString(),
});

export const agencyFields = {
  name: z.string().trim().min(2).max(60),
  senderId: z.string().max(100).regex(CAP_SENDER, "CAP sender: no spaces, commas, < or &"),
  smsSignature: z.string().regex(SMS_SIGNATURE, "【…】 around 2–12 characters, as registered with the carriers"),
  types: z
    .array(z.enum(WARNING_TYPES))
    .min(1)
    .max(WARNING_TYPES.length)
    .refine((t) => new Set(t).size === t.length, "each type once"),
  areaScope: z.string().refine(isAreaCode, "not an area code"),
};

export const agencyCreate = z.strictObject({
  code: z.string().regex(AGENCY_CODE, "2–32 lower-case letters, digits or '-', e.g. cf-sw"),
  ...agencyFields,
});
export const agencyPatch = z
  .strictObject({
    name: agencyFields.name.optional(),
    senderId: agencyFields.senderId.optional(),
    smsSignature: agencyFields.smsSignature.optional(),
    types: agencyFields.types.optional(),
    areaScope: agencyFields.areaScope.optional(),
  })
  .refine((p) => Object.keys(p).length > 0, "nothing to change");
