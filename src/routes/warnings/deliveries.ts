import { z } from "zod";
import { defineOperation } from "../operation.js";
import { CHANNELS, DELIVERY_PURPOSES, DELIVERY_STATUSES } from "../../domain/vocabulary.js";
import { isAreaCode } from "../../domain/areas.js";
import { listDeliveries, type Delivery } from "../../db/queries/deliveries.js";
import { decodeCursor, limitParam, page } from "../pagination.js";
import { ctx } from "../context.js";
import { loadWarning } from "../../warnings/load.js";

const query = z.strictObject({
  channel: z.enum(CHANNELS).optional(),
  status: z.enum(DELIVERY_STATUSES).optional(),
  purpose: z.enum(DELIVERY_PURPOSES).optional(),
  area: z.string().refine(isAreaCode, "not an area code").optional(),
  cursor: z.string().optional(),
  limit: limitParam,
});

const iso = (d: Date | null) => d?.toISOString() ?? null;
export const deliveryDto = (d: Delivery) => ({
  id: d.id,
  warningId: d.warningId,
  channel: d.channel,
  purpose: d.purpose,
  escalationStep: d.escalationStep,
  recipientId: d.recipientId,
  deviceId: d.deviceId,
  villageCode: d.villageCode,
  address: d.address,
  language: d.language,
  renderedLanguage: d.renderedLanguage,
  status: d.status,
  attempts: d.attempts,
  providerId: d.providerId,
  errorCode: d.errorCode,
  error: d.error,
  queuedAt: iso(d.queuedAt),
  sentAt: iso(d.sentAt),
  deliveredAt: iso(d.deliveredAt),
  acknowledgedAt: iso(d.acknowledgedAt),
  failedAt: iso(d.failedAt),
  expiredAt: iso(d.expiredAt),
  nextAttemptAt: d.status === "queued" ? iso(d.nextAttemptAt) : null,
});

export default defineOperation({
  method: "get",
  path: "/api/v1/warnings/:id/deliveries",
  summary: "The warning's deliveries (one per target and channel) with their states",
  tag: "coverage",
  auth: "apiKey",
  permission: "read",
  query,
  success: [200, "{ items, nextCursor }"],
  handler: async (c, req) => {
    const { s, actor } = ctx(c);
    const q = req.query;
    const w = await loadWarning(s.db, actor, c.req.param("id")!);
    const rows = await listDeliveries(s.db, {
      warningId: w.id,
      ...q,
      afterId: decodeCursor(q.cursor, z.number().int()),
    });
    return c.json(page(rows.map(deliveryDto), q.limit, (d) => d.id));
  },
});
