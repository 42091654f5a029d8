import { sql, type SQL } from "drizzle-orm";
import type { Db } from "../client.js";
import { codePrefix } from "../../domain/areas.js";

export interface AuditRow {
  id: number;
  at: Date;
  actor: string;
  actorKind: string;
  actorUsername: string | null;
  action: string;
  subjectType: string;
  subjectId: string;
  before: unknown;
  after: unknown;
  requestId: string | null;
}

/**
 * The trail an admin may read: rows where a user inside its scope acted, or was acted on.
 * `user` matches either side; `action` ending in `*` is a prefix (`user.*`).
 */
export async function listAudit(
  db: Db,
  o: {
    scope: string;
    user?: string | undefined;
    action?: string | undefined;
    from?: Date | undefined;
    to?: Date | undefined;
    beforeId?: number | undefined;
    limit: number;
  },
): Promise<AuditRow[]> {
  const prefix = `${codePrefix(o.scope)}%`;
  const where: SQL[] = [sql`(ua.area_scope like ${prefix} or us.area_scope like ${prefix})`];
  if (o.user) where.push(sql`(a.actor = ${o.user} or (a.subject_type = 'user' and a.subject_id = ${o.user}))`);
  if (o.action)
    where.push(
      o.action.endsWith("*")
        ? sql`a.action like ${o.action.slice(0, -1).replace(/[%_\\]/g, "\\$&") + "%"}`
        : sql`a.action = ${o.action}`,
    );
  if (o.from) where.push(sql`a.at >= ${o.from.toISOString()}::timestamptz`);
  if (o.to) where.push(sql`a.at <= ${o.to.toISOString()}::timestamptz`);
  if (o.beforeId !== undefined) where.push(sql`a.id < ${o.beforeId}`);
  const rows = await db.execute<{
    id: number;
    at: string | Date;
    actor: string;
    actor_kind: string;
    username: string | null;
    action: string;
    subject_type: string;
    subject_id: string;
    before: unknown;
    after: unknown;
    request_id: string | null;
  }>(sql`
    select a.id, a.at, a.actor, a.actor_kind, ua.username, a.action, a.subject_type, a.subject_id,
           a.before, a.after, a.request_id
    from audit_log a
    left join users ua on a.actor_kind = 'user' and ua.id::text = a.actor
    left join users us on a.subject_type = 'user' and us.id::text = a.subject_id
    where ${sql.join(where, sql` and `)}
    order by a.id desc limit ${o.limit}`);
  return rows.map((r) => ({
    id: Number(r.id),
    at: new Date(r.at),
    actor: r.actor,
    actorKind: r.actor_kind,
    actorUsername: r.username,
    action: r.action,
    subjectType: r.subject_type,
    subjectId: r.subject_id,
    before: r.before,
    after: r.after,
    requestId: r.request_id,
  }));
}
