import { and, asc, desc, eq, lt, or, sql, type SQL } from "drizzle-orm";
import type { Db } from "../client.js";
import { warnings } from "../schema/index.js";
import { codePrefix } from "../../domain/areas.js";
import type { Level, WarningStatus, WarningType } from "../../domain/vocabulary.js";

export type Warning = typeof warnings.$inferSelect;
export type NewWarning = typeof warnings.$inferInsert;

export async function insertWarning(db: Db, w: NewWarning): Promise<Warning> {
  const [row] = await db.insert(warnings).values(w).returning();
  return row!;
}

export async function getWarning(db: Db, id: string, opts: { forUpdate?: boolean } = {}): Promise<Warning | undefined> {
  const q = db.select().from(warnings).where(eq(warnings.id, id)).limit(1);
  const [w] = opts.forUpdate ? await q.for("update") : await q;
  return w;
}

export async function updateWarning(db: Db, id: string, patch: Partial<NewWarning>): Promise<Warning> {
  const [row] = await db
    .update(warnings)
    .set({ ...patch, updatedAt: sql`now()` })
    .where(eq(warnings.id, id))
    .returning();
  return row!;
}

export async function threadVersions(db: Db, threadId: string): Promise<Warning[]> {
  return db.select().from(warnings).where(eq(warnings.threadId, threadId)).orderBy(asc(warnings.version));
}

export interface WarningFilter {
  status?: WarningStatus | undefined;
  type?: WarningType | undefined;
  level?: Level | undefined;
  /** Warnings touching this area: a code of the warning lies at/below it, or it lies below a code of the warning. */
  area?: string | undefined;
  scope: string;
  /** Area-less (imported, unmapped) drafts are listed only for their author. */
  actorId: string;
  from?: Date | undefined;
  to?: Date | undefined;
  before?: { createdAt: Date; id: string } | undefined;
  limit: number;
}

// area_prefix() is defined in migration 0001 (same rule as domain/areas.ts codePrefix).
const touches = (code: string): SQL =>
  sql`exists (select 1 from unnest(${warnings.areaCodes}) ac
        where ac like ${codePrefix(code) + "%"} or ${code} like area_prefix(ac) || '%')`;

export async function listWarnings(db: Db, f: WarningFilter): Promise<Warning[]> {
  const inScope = sql`not exists (select 1 from unnest(${warnings.areaCodes}) ac where ac not like ${codePrefix(f.scope) + "%"})
    and (cardinality(${warnings.areaCodes}) > 0 or ${warnings.createdBy} = ${f.actorId})`;
  return db
    .select()
    .from(warnings)
    .where(
      and(
        inScope,
        f.status ? eq(warnings.status, f.status) : undefined,
        f.type ? eq(warnings.type, f.type) : undefined,
        f.level ? eq(warnings.level, f.level) : undefined,
        f.area ? touches(f.area) : undefined,
        f.from ? sql`${warnings.createdAt} >= ${f.from.toISOString()}` : undefined,
        f.to ? sql`${warnings.createdAt} < ${f.to.toISOString()}` : undefined,
        f.before
          ? or(
              lt(warnings.createdAt, f.before.createdAt),
              and(eq(warnings.createdAt, f.before.createdAt), lt(warnings.id, f.before.id)),
            )
          : undefined,
      ),
    )
    .orderBy(desc(warnings.createdAt), desc(warnings.id))
    .limit(f.limit);
}
