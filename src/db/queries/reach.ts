// What a warning would reach if issued now: the approver signs off on these figures, so
// they follow the planner's targeting (area prefixes, audiences, active people, devices
// not revoked) without the grid-polygon refinement, which can only narrow them.
import { sql } from "drizzle-orm";
import type { Db } from "../client.js";

export interface Reach {
  villages: number;
  population: number;
  people: number;
  withPhone: number;
  withEmail: number;
  devices: { kind: string; total: number; online: number }[];
  platforms: number;
}

export async function reachOf(db: Db, w: { areaCodes: string[]; audiences: string[] }): Promise<Reach> {
  const [r] = await db.execute<{
    villages: number;
    population: number;
    people: number;
    with_phone: number;
    with_email: number;
    devices: { kind: string; total: number; online: number }[] | null;
    platforms: number;
  }>(sql`
    with pref as (select area_prefix(c) || '%' as p from unnest(${sql.param(w.areaCodes)}::text[]) c),
    v as (select code, population from areas where kind = 'village' and code like any (select p from pref)),
    ppl as (
      select r.phone, r.email from recipients r
      where r.active and r.area_code like any (select p from pref) and r.audiences && ${sql.param(w.audiences)}::text[]
    )
    select (select count(*) from v)::int as villages,
      (select coalesce(sum(population), 0) from v)::bigint::float8 as population,
      (select count(*) from ppl)::int as people,
      (select count(*) from ppl where phone is not null)::int as with_phone,
      (select count(*) from ppl where email is not null)::int as with_email,
      (select jsonb_agg(x) from (
        select kind::text as kind, count(*)::int as total, count(*) filter (where online)::int as online
        from devices where revoked_at is null and area_code like any (select p from pref) group by kind) x) as devices,
      (select count(*) from eb_platforms e
        where e.active and exists (select 1 from v where v.code like area_prefix(e.area_code) || '%'))::int as platforms`);
  return {
    villages: r!.villages,
    population: Number(r!.population),
    people: r!.people,
    withPhone: r!.with_phone,
    withEmail: r!.with_email,
    devices: r!.devices ?? [],
    platforms: r!.platforms,
  };
}
