// A person as staff enter them (API or CSV row) → a stored recipient, or field errors.
import { z } from "zod";
import { AUDIENCES, LANGUAGES, POST_ROLES } from "./vocabulary.js";
import { isAreaCode, villageOf } from "./areas.js";
import { normalisePhone } from "../lib/phone.js";
import type { FieldError } from "../lib/errors.js";

export const recipientInput = z.strictObject({
  name: z.string().trim().min(1).max(100),
  phone: z.string().trim().max(32).optional(),
  email: z.email().max(254).optional(),
  areaCode: z.string().refine(isAreaCode, "not a village or grid code"),
  audiences: z.array(z.enum(AUDIENCES)).min(1).default(["public"]),
  language: z.enum(LANGUAGES).default("zh"),
  role: z.enum(POST_ROLES).optional(),
});
export type RecipientInput = z.output<typeof recipientInput>;

export interface AreaFacts {
  /** kind by code for the codes referenced (village/grid expected). */
  kinds: Map<string, string>;
  inScope: (code: string) => boolean;
}

export function toRecipient(
  r: RecipientInput,
  facts: AreaFacts,
): { ok: true; row: StoredRecipient } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  let phone: string | null = null;
  if (r.phone) {
    const p = normalisePhone(r.phone);
    if (p.ok) phone = p.e164;
    else errors.push({ path: "phone", message: p.reason, code: "invalid_phone" });
  }
  const kind = facts.kinds.get(r.areaCode);
  if (!kind) errors.push({ path: "areaCode", message: `unknown area ${r.areaCode}`, code: "unknown_area" });
  else if (kind !== "village" && kind !== "grid") {
    errors.push({
      path: "areaCode",
      message: `${r.areaCode} is a ${kind}; recipients belong to a village or grid`,
      code: "not_village",
    });
  } else if (!facts.inScope(r.areaCode)) {
    errors.push({ path: "areaCode", message: `${r.areaCode} is outside your scope`, code: "out_of_scope" });
  }
  if (r.role && !r.audiences.some((a) => a !== "public")) {
    errors.push({
      path: "role",
      message: "a primary/backup role belongs to a responsible post (e.g. info_officer)",
      code: "role_without_post",
    });
  }
  if (errors.length > 0) return { ok: false, errors };
  const email = r.email?.toLowerCase() ?? null;
  return {
    ok: true,
    row: {
      name: r.name,
      phone,
      email,
      areaCode: r.areaCode,
      villageCode: villageOf(r.areaCode),
      audiences: [...new Set(r.audiences)],
      language: r.language,
      role: r.role ?? null,
      dedupeKey: phone ? `tel:${phone}` : email ? `mail:${email}` : `name:${r.areaCode}:${r.name}`,
    },
  };
}

export interface StoredRecipient {
  name: string;
  phone: string | null;
  email: string | null;
  areaCode: string;
  villageCode: string;
  audiences: string[];
  language: RecipientInput["language"];
  role: RecipientInput["role"] | null;
  dedupeKey: string;
}
