import { and, asc, eq, gt, isNull, like } from "drizzle-orm";
import type { Db } from "../client.js";
import { devices } from "../schema/index.js";
import { codePrefix } from "../../domain/areas.js";

export type Device = typeof devices.$inferSelect;

export async function insertDevice(db: Db, d: typeof devices.$inferInsert): Promise<Device> {
  const [row] = await db.insert(devices).values(d).returning();
  return row!;
}

export async function listDevices(db: Db, opts: { area: string; afterId?: string; limit: number; kind?: Device["kind"] }): Promise<Device[]> {
  return db
    .select()
    .from(devices)
    .where(
      and(
        like(devices.areaCode, `${codePrefix(opts.area)}%`),
        opts.kind ? eq(devices.kind, opts.kind) : undefined,
        opts.afterId ? gt(devices.id, opts.afterId) : undefined,
      ),
    )
    .orderBy(asc(devices.id))
    .limit(opts.limit);
}

export async function findDeviceByTokenHash(db: Db, tokenHash: string): Promise<Device | undefined> {
  const [d] = await db.select().from(devices).where(and(eq(devices.tokenHash, tokenHash), isNull(devices.revokedAt))).limit(1);
  return d;
}
