import { and, asc, eq, gt, like, type SQL } from "drizzle-orm";
import type { Db } from "../client.js";
import { deliveries } from "../schema/index.js";
import { codePrefix } from "../../domain/areas.js";
import type { ChannelKind, DeliveryPurpose, DeliveryStatus } from "../../domain/vocabulary.js";

export type Delivery = typeof deliveries.$inferSelect;

export async function listDeliveries(
  db: Db,
  o: {
    warningId: string;
    channel?: ChannelKind | undefined;
    status?: DeliveryStatus | undefined;
    area?: string | undefined;
    purpose?: DeliveryPurpose | undefined;
    afterId?: number | undefined;
    limit: number;
  },
): Promise<Delivery[]> {
  const where: (SQL | undefined)[] = [
    eq(deliveries.warningId, o.warningId),
    o.channel ? eq(deliveries.channel, o.channel) : undefined,
    o.status ? eq(deliveries.status, o.status) : undefined,
    o.purpose ? eq(deliveries.purpose, o.purpose) : undefined,
    o.area ? like(deliveries.villageCode, `${codePrefix(o.area.split("-")[0]!)}%`) : undefined,
    o.afterId ? gt(deliveries.id, o.afterId) : undefined,
  ];
  return db
    .select()
    .from(deliveries)
    .where(and(...where))
    .orderBy(asc(deliveries.id))
    .limit(o.limit);
}

export async function getDelivery(db: Db, id: number): Promise<Delivery | undefined> {
  const [d] = await db.select().from(deliveries).where(eq(deliveries.id, id)).limit(1);
  return d;
}
