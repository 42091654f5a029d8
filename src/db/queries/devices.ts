import { and, asc, eq, gt, isNull, like, sql } from "drizzle-orm";
import type { Db } from "../client.js";
import { failDeliveries } from "../../deliveries/fail.js";
import { devices } from "../schema/index.js";
import { codePrefix } from "../../domain/areas.js";

export type Device = typeof devices.$inferSelect;

export async function insertDevice(db: Db, d: typeof devices.$inferInsert): Promise<Device> {
  const [row] = await db.insert(devices).values(d).returning();
  return row!;
}

export async function listDevices(
  db: Db,
  opts: { area: string; afterId?: string; limit: number; kind?: Device["kind"]; online?: boolean | undefined },
): Promise<Device[]> {
  return db
    .select()
    .from(devices)
    .where(
      and(
        like(devices.areaCode, `${codePrefix(opts.area)}%`),
        opts.kind ? eq(devices.kind, opts.kind) : undefined,
        opts.online === undefined ? undefined : eq(devices.online, opts.online),
        opts.afterId ? gt(devices.id, opts.afterId) : undefined,
      ),
    )
    .orderBy(asc(devices.id))
    .limit(opts.limit);
}

export async function findDeviceByTokenHash(db: Db, tokenHash: string): Promise<Device | undefined> {
  const [d] = await db
    .select()
    .from(devices)
    .where(and(eq(devices.tokenHash, tokenHash), isNull(devices.revokedAt)))
    .limit(1);
  return d;
}

export async function getDevice(db: Db, id: string, opts: { forUpdate?: boolean } = {}): Promise<Device | undefined> {
  const q = db.select().from(devices).where(eq(devices.id, id)).limit(1);
  const [d] = opts.forUpdate ? await q.for("update") : await q;
  return d;
}

/** Revoking keeps the row (deliveries and coverage refer to it) but its token no longer
 * authenticates; commands it never received fail rather than wait for it forever. */
export async function revokeDevice(db: Db, id: string, at: Date): Promise<{ device: Device; failedCommands: number }> {
  const [device] = await db
    .update(devices)
    .set({ revokedAt: at, online: false, updatedAt: at })
    .where(eq(devices.id, id))
    .returning();
  const failed = await failDeliveries(db, {
    // Queued rows are of issued warnings (an ended one's are expired by the expiry job):
    // named as an array, the (warning_id, device_id) index finds the device's rows.
    where: sql`d.device_id = ${id}::uuid and d.status = 'queued'
      and d.warning_id = any(array(select w.id from warnings w where w.status = 'issued'))`,
    code: "device_revoked",
    error: "device revoked",
    at: at.toISOString(),
  });
  return { device: device!, failedCommands: failed };
}
