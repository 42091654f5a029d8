import type { Device } from "../../db/queries/devices.js";

export const deviceDto = (d: Device) => ({
  id: d.id,
  kind: d.kind,
  name: d.name,
  areaCode: d.areaCode,
  villageCode: d.villageCode,
  reach: d.reach,
  languages: d.languages,
  online: d.online,
  lastSeen: d.lastSeen?.toISOString() ?? null,
  firmware: d.firmware,
  revoked: d.revokedAt !== null,
  createdAt: d.createdAt.toISOString(),
});
