// 发布单位 (DESIGN §11): the office a warning goes out in the name of. A user's agency
// decides the CAP sender, the office named in every text and the SMS signature; without
// one the deployment's configured office is used (a single-agency deployment).
import { AppError } from "../lib/errors.js";
import type { WarningType } from "./vocabulary.js";

export interface AgencyRef {
  code: string;
  name: string;
  senderId: string;
  smsSignature: string;
  types: WarningType[];
  areaScope: string;
}

export interface IssuingOffice {
  agencyCode: string | null;
  sender: string;
  senderName: string;
  smsSignature: string;
}

export const AGENCY_CODE = /^[a-z0-9][a-z0-9-]{1,31}$/;
/** CAP 1.2 `sender`: no whitespace, commas or `<`/`&`. */
export const CAP_SENDER = /^[^\s,<&]+$/;
/** A carrier-registered signature: 【…】 around 2–12 characters (operators' rule). */
export const SMS_SIGNATURE = /^【[^【】\s]{2,12}】$/;

export function issuingOffice(
  agency: AgencyRef | null | undefined,
  defaults: { sender: string; senderName: string; smsSignature: string },
): IssuingOffice {
  if (!agency) return { agencyCode: null, ...defaults };
  return {
    agencyCode: agency.code,
    sender: agency.senderId,
    senderName: agency.name,
    smsSignature: agency.smsSignature,
  };
}

/** An author with an agency writes only that agency's warning types. */
export function requireAgencyType(agency: AgencyRef | null | undefined, type: WarningType): void {
  if (!agency || agency.types.includes(type)) return;
  throw new AppError(
    "forbidden",
    `${agency.name} (${agency.code}) may issue ${agency.types.join(", ") || "no types"}; not ${type}`,
    {
      extra: { rule: "type_not_in_agency", agency: agency.code, allowedTypes: agency.types },
    },
  );
}
