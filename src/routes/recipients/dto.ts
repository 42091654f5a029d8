import type { Recipient } from "../../db/queries/recipients.js";

export const recipientDto = (r: Recipient) => ({
  id: r.id,
  name: r.name,
  phone: r.phone,
  email: r.email,
  areaCode: r.areaCode,
  villageCode: r.villageCode,
  audiences: r.audiences,
  language: r.language,
  role: r.role,
  active: r.active,
  synthetic: r.synthetic,
  createdAt: r.createdAt.toISOString(),
});
