// County broadcast platforms (DESIGN §12): registration, state (up/down) and heartbeats.
import { and, asc, eq, gt, like, sql } from "drizzle-orm";
import type { Db } from "../client.js";
import { ebPlatforms } from "../schema/index.js";
import type { EbPlatformState } from "../../domain/vocabulary.js";
import type { PlatformPeer } from "../../../channels/eb/exchange.js";
import { codePrefix } from "../../domain/areas.js";

export type EbPlatform = typeof ebPlatforms.$inferSelect;
export type NewEbPlatform = typeof ebPlatforms.$inferInsert;

export const toPeer = (p: EbPlatform): PlatformPeer => ({
  id: p.id,
  url: p.url,
  resourceCode: p.resourceCode,
  signer: p.signer,
  certificate: p.certificate,
  options: p.options,
});

export async function insertPlatform(db: Db, p: NewEbPlatform): Promise<EbPlatform> {
  const [row] = await db.insert(ebPlatforms).values(p).returning();
  return row!;
}

export async function getPlatform(
  db: Db,
  id: string,
  opts: { forUpdate?: boolean } = {},
): Promise<EbPlatform | undefined> {
  const q = db.select().from(ebPlatforms).where(eq(ebPlatforms.id, id)).limit(1);
  const [p] = opts.forUpdate ? await q.for("update") : await q;
  return p;
}

export async function findPlatformByEbrid(db: Db, ebrid: string): Promise<EbPlatform | undefined> {
  const [p] = await db.select().from(ebPlatforms).where(eq(ebPlatforms.resourceCode, ebrid)).limit(1);
  return p;
}

export async function listPlatforms(
  db: Db,
  o: { area: string; afterId?: string | undefined; limit: number },
): Promise<EbPlatform[]> {
  return db
    .select()
    .from(ebPlatforms)
    .where(
      and(like(ebPlatforms.areaCode, `${codePrefix(o.area)}%`), o.afterId ? gt(ebPlatforms.id, o.afterId) : undefined),
    )
    .orderBy(asc(ebPlatforms.id))
    .limit(o.limit);
}

export async function updatePlatform(db: Db, id: string, patch: Partial<NewEbPlatform>, at: Date): Promise<EbPlatform> {
  const [row] = await db
    .update(ebPlatforms)
    .set({ ...patch, updatedAt: at })
    .where(eq(ebPlatforms.id, id))
    .returning();
  return row!;
}

export interface StateChange {
  id: string;
  resourceCode: string;
  before: EbPlatformState;
  after: EbPlatformState;
  reason: string;
}

/** Sets a platform's state; returns the change only when there was one (for the audit). */
export async function setPlatformState(
  db: Db,
  id: string,
  state: EbPlatformState,
  reason: string,
  at: Date,
): Promise<StateChange | null> {
  const rows = await db.execute<{ id: string; resource_code: string; before: EbPlatformState }>(sql`
    update eb_platforms p
    set state = ${state}, state_reason = ${reason}, state_changed_at = ${at.toISOString()}::timestamptz,
      updated_at = now()
    from (select id, state from eb_platforms where id = ${id}::uuid for update) o
    where p.id = o.id and o.state <> ${state}
    returning p.id, p.resource_code, o.state as before`);
  const r = rows[0];
  return r ? { id: r.id, resourceCode: r.resource_code, before: r.before, after: state, reason } : null;
}

/** A sign of life (an answered check, any package it sent): it is up from now on. */
export async function platformSeen(db: Db, id: string, at: Date): Promise<StateChange | null> {
  await db.execute(sql`
    update eb_platforms set last_seen_at = greatest(last_seen_at, ${at.toISOString()}::timestamptz)
    where id = ${id}::uuid`);
  return setPlatformState(db, id, "up", "heartbeat answered", at);
}

/** Active platforms whose next ConnectionCheck is due at `at`. */
export async function heartbeatsDue(db: Db, at: Date): Promise<EbPlatform[]> {
  return db
    .select()
    .from(ebPlatforms)
    .where(
      and(
        eq(ebPlatforms.active, true),
        sql`coalesce(${ebPlatforms.lastCheckAt}, '-infinity') + ${ebPlatforms.heartbeatSeconds} * interval '1 second'
          <= ${at.toISOString()}::timestamptz`,
      ),
    )
    .orderBy(asc(ebPlatforms.id));
}

export async function checksSent(db: Db, ids: string[], at: Date): Promise<void> {
  if (ids.length === 0) return;
  await db.execute(
    sql`update eb_platforms set last_check_at = ${at.toISOString()}::timestamptz
        where id = any(${sql.param(ids)}::uuid[])`,
  );
}

/** Platforms silent for `heartbeat_misses` intervals turn down. */
export async function markSilentDown(db: Db, at: Date): Promise<StateChange[]> {
  const rows = await db.execute<{ id: string; resource_code: string; before: EbPlatformState; reason: string }>(sql`
    with s as (
      select id, state from eb_platforms
      where active and state <> 'down'
        and coalesce(last_seen_at, created_at)
          <= ${at.toISOString()}::timestamptz - heartbeat_misses * heartbeat_seconds * interval '1 second'
      for update
    )
    update eb_platforms p set state = 'down', state_changed_at = ${at.toISOString()}::timestamptz, updated_at = now(),
      state_reason = 'missed ' || p.heartbeat_misses || ' heartbeats (' || p.heartbeat_seconds || ' s apart)'
    from s where p.id = s.id
    returning p.id, p.resource_code, s.state as before, p.state_reason as reason`);
  return rows.map((r) => ({
    id: r.id,
    resourceCode: r.resource_code,
    before: r.before,
    after: "down",
    reason: r.reason,
  }));
}
