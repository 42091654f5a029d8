// Demo data for a fresh database: Chifeng's agencies (发布单位) and the ETDZ's, an issuer
// per agency, approvers, a viewer and an admin (keys printed once), and a modest synthetic
// population so a demo warning has people to reach.
import { sql } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { countUsers, insertUser } from "../db/queries/users.js";
import { insertAgency } from "../db/queries/agencies.js";
import { createApiKey } from "../db/queries/api-keys.js";
import { writeAudit } from "../db/queries/audit.js";
import { WARNING_TYPES, type UserRole, type WarningType } from "../domain/vocabulary.js";

export interface DemoKey {
  role: UserRole;
  username: string;
  name: string;
  agency: string | null;
  scope: string;
  key: string;
}

const CITY = "150400000000";
const ETDZ = "150172000000"; // 呼和浩特经济技术开发区

export interface DemoAgency {
  code: string;
  name: string;
  senderId: string;
  smsSignature: string;
  types: WarningType[];
  areaScope: string;
}

const agency = (
  code: string,
  name: string,
  smsSignature: string,
  types: WarningType[],
  areaScope = CITY,
): DemoAgency => ({
  code,
  name,
  senderId: `${code}.${areaScope === CITY ? "chifeng" : "hohhot"}`,
  smsSignature,
  types,
  areaScope,
});

/** Signatures follow each office's carrier-registered form 【…】 (2–12 characters). */
export const DEMO_AGENCIES: DemoAgency[] = [
  agency("cf-qx", "赤峰市气象台", "【赤峰市气象局】", [
    "rainstorm",
    "blizzard",
    "cold_wave",
    "gale",
    "sandstorm",
    "heat",
    "drought",
    "lightning",
    "hail",
    "frost",
    "fog",
    "haze",
    "road_icing",
  ]),
  agency("cf-sw", "赤峰市水文水资源中心", "【赤峰市水文局】", ["flood", "drought"]),
  agency("cf-zr", "赤峰市自然资源局", "【赤峰市自然资源局】", ["geohazard"]),
  agency("cf-lc", "赤峰市林业和草原局", "【赤峰市林业和草原局】", ["forest_fire", "grassland_fire"]),
  agency("cf-dz", "赤峰市地震局", "【赤峰市地震局】", ["earthquake"]),
  agency("cf-yj", "赤峰市应急管理局", "【赤峰市应急管理局】", ["hazmat", "other"]),
  // The zone's one release office speaks for every hazard inside the zone.
  agency("hh-etdz-yj", "呼和浩特经济技术开发区应急管理局", "【呼和浩特经开区应急管理局】", [...WARNING_TYPES], ETDZ),
];

const DEMO_USERS: { role: UserRole; username: string; name: string; agency: string | null; scope: string }[] = [
  { role: "admin", username: "admin", name: "演示管理员 demo admin", agency: null, scope: "150000000000" },
  { role: "issuer", username: "qx-issuer", name: "赤峰市气象台值班员", agency: "cf-qx", scope: CITY },
  { role: "issuer", username: "sw-issuer", name: "赤峰市水文水资源中心值班员", agency: "cf-sw", scope: CITY },
  { role: "issuer", username: "zr-issuer", name: "赤峰市自然资源局值班员", agency: "cf-zr", scope: CITY },
  { role: "issuer", username: "lc-issuer", name: "赤峰市林业和草原局值班员", agency: "cf-lc", scope: CITY },
  { role: "issuer", username: "dz-issuer", name: "赤峰市地震局值班员", agency: "cf-dz", scope: CITY },
  { role: "issuer", username: "yj-issuer", name: "赤峰市应急管理局值班员", agency: "cf-yj", scope: CITY },
  { role: "issuer", username: "hs-qx-issuer", name: "红山区气象局值班员", agency: "cf-qx", scope: "150402000000" },
  { role: "approver", username: "approver", name: "市预警信息发布中心签发人", agency: "cf-yj", scope: CITY },
  { role: "viewer", username: "viewer", name: "赤峰市应急管理局值守", agency: "cf-yj", scope: CITY },
  { role: "issuer", username: "etdz-issuer", name: "经开区应急管理局值班员", agency: "hh-etdz-yj", scope: ETDZ },
  { role: "approver", username: "etdz-approver", name: "经开区应急管理局签发人", agency: "hh-etdz-yj", scope: ETDZ },
];

/** Creates the demo agencies and users only on a database without users; returns their keys. */
export async function seedDemoUsers(db: Db, now = new Date()): Promise<DemoKey[]> {
  if ((await countUsers(db)) > 0) return [];
  return db.transaction(async (tx) => {
    for (const a of DEMO_AGENCIES) await insertAgency(tx, a);
    const out: DemoKey[] = [];
    for (const u of DEMO_USERS) {
      const row = await insertUser(tx, {
        username: u.username,
        name: u.name,
        role: u.role,
        areaScope: u.scope,
        agencyCode: u.agency,
      });
      const { key } = await createApiKey(tx, { userId: row.id, label: "demo", now });
      out.push({ ...u, key });
    }
    await writeAudit(tx, {
      actor: "demo-seed",
      actorKind: "system",
      action: "demo.seed",
      subjectType: "deployment",
      subjectId: "demo",
      after: { agencies: DEMO_AGENCIES.map((a) => a.code), users: DEMO_USERS.map((u) => u.username) },
    });
    return out;
  });
}

/** One banner line per demo user (test/e2e/server.ts parses these). */
export const bannerLine = (k: DemoKey) =>
  `  role=${k.role.padEnd(8)} agency=${(k.agency ?? "-").padEnd(10)} scope=${k.scope} ` +
  `username=${k.username.padEnd(13)} key=${k.key}`;

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
