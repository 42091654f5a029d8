// Demo data for a fresh database: one user per role (keys printed once) and a modest
// synthetic population so a demo warning has people to reach.
import { sql } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { countUsers, insertUser } from "../db/queries/users.js";
import { randomToken, sha256Hex } from "../lib/crypto.js";
import type { UserRole } from "../domain/vocabulary.js";

export interface DemoKey {
  role: UserRole;
  name: string;
  scope: string;
  key: string;
}

const DEMO_USERS: { role: UserRole; name: string; scope: string }[] = [
  { role: "admin", name: "演示管理员 demo admin", scope: "150000000000" },
  { role: "issuer", name: "赤峰市气象台值班员 demo issuer", scope: "150400000000" },
  { role: "approver", name: "赤峰市气象台签发人 demo approver", scope: "150400000000" },
  { role: "viewer", name: "赤峰市应急管理局 demo viewer", scope: "150400000000" },
  { role: "issuer", name: "红山区气象局 demo county issuer", scope: "150402000000" },
];

/** Creates the demo users only on a database without users; returns their keys. */
export async function seedDemoUsers(db: Db): Promise<DemoKey[]> {
  if ((await countUsers(db)) > 0) return [];
  const out: DemoKey[] = [];
  for (const u of DEMO_USERS) {
    const key = randomToken("wck_");
    await insertUser(db, { name: u.name, role: u.role, areaScope: u.scope, keyHash: await sha256Hex(key) });
    out.push({ ...u, key });
  }
  return out;
}

/**
 * Synthetic residents and responsible posts under `scope`, set-based in SQL. Numbers use
 * +86 100…: no Chinese mobile (13–19) or landline (0…) number starts so, so a synthetic
 * row can never reach a real phone. Per village: 3 residents (every 4th reads Mongolian),
 * an information officer A and B, a grid worker/village cadre with email; per township and
 * county one official with email (placed in its first village).
 */
export async function seedSyntheticRecipients(db: Db, scope = "1504"): Promise<number> {
  const [r] = await db.execute<{ n: number }>(sql`
    with v as (
      select code, name, row_number() over (order by code) as vn,
             left(code, 9) || '000' as township, left(code, 6) || '000000' as county
      from areas where kind = 'village' and code like ${scope + "%"}
    ),
    people as (
      select v.code, v.vn, i,
        case when i <= 3 then v.name || '居民' || i
             when i = 4 then v.name || '灾害信息员(A)'
             when i = 5 then v.name || '灾害信息员(B)'
             else v.name || '网格员' end as name,
        case when i <= 3 then array['public']
             when i <= 5 then array['info_officer']
             else array['grid_worker', 'village_cadre'] end as audiences,
        case when i = 4 then 'primary' when i = 5 then 'backup' when i = 6 then 'primary' end as role,
        case when i = 6 then 'grid' || v.vn || '@demo.warncast.invalid' end as email,
        case when i <= 3 and (v.vn + i) % 4 = 0 then 'mn' else 'zh' end as language
      from v cross join generate_series(1, 6) as i
    ),
    officials as (
      select distinct on (level_code) level_code as code_key, code, aud, aname from (
        select v.township as level_code, v.code, 'township_official' as aud, t.name || '值班领导' as aname
        from v join areas t on t.code = v.township
        union all
        select v.county, v.code, 'county_official', c.name || '应急值班' from v join areas c on c.code = v.county
      ) x order by level_code, code
    ),
    all_rows as (
      select name, code, audiences, role, email, language, (vn * 10 + i) as seq from people
      union all
      select aname, code, array[aud], 'primary', 'official' || row_number() over (order by code_key) || '@demo.warncast.invalid', 'zh',
             90000000 + row_number() over (order by code_key) from officials
    ),
    ins as (
      insert into recipients (name, phone, email, area_code, village_code, audiences, language, role, synthetic, dedupe_key)
      select name, '+86100' || lpad(seq::text, 8, '0'), email, code, code, audiences, language::language, role::post_role, true,
             'tel:+86100' || lpad(seq::text, 8, '0')
      from all_rows
      on conflict (dedupe_key) do nothing
      returning 1
    )
    select count(*)::int as n from ins`);
  return r?.n ?? 0;
}
