import { describe, expect, it } from "vitest";
import { useContext } from "../helpers/context.js";
import { json } from "../helpers/factories.js";
import { villagesUnder } from "../../src/db/queries/areas.js";

const ctx = useContext();

describe("areas reflect the real Chifeng division list", () => {
  it("the city has 12 counties, 197 townships and 2,457 villages below it", async () => {
    const c = ctx();
    const res = await c.request("GET", "/api/v1/areas/150400000000", { key: c.users.viewer.key });
    expect(res.status).toBe(200);
    const city = await json(res);
    expect(city).toMatchObject({
      name: "赤峰市",
      kind: "city",
      population: 4035967,
      populationBasis: "census",
      below: { county: 12, township: 197, village: 2457 },
    });
  });

  it("lists the 12 counties as children, paging by cursor", async () => {
    const c = ctx();
    const p1 = await json(await c.request("GET", "/api/v1/areas?parent=150400000000&limit=10"));
    const p2 = await json(await c.request("GET", `/api/v1/areas?parent=150400000000&limit=10&cursor=${p1.nextCursor}`));
    const all = [...p1.items, ...p2.items];
    expect(all).toHaveLength(12);
    expect(all.map((a: { name: string }) => a.name)).toContain("红山区");
    expect(all.every((a: { kind: string }) => a.kind === "county")).toBe(true);
    const pop = all.reduce((s: number, a: { population: number }) => s + a.population, 0);
    expect(pop).toBe(4035967);
    expect(all.find((a: { name: string }) => a.name === "敖汉旗").populationBasis).toBe("reported");
  });

  it("villages under any code: a county, a township, a village", async () => {
    const c = ctx();
    expect(await villagesUnder(c.tdb.db, ["150400000000"])).toHaveLength(2457);
    const hongshan = await villagesUnder(c.tdb.db, ["150402000000"]);
    expect(hongshan.length).toBeGreaterThan(50);
    expect(hongshan.every((v) => v.code.startsWith("150402"))).toBe(true);
    expect(await villagesUnder(c.tdb.db, ["150402001001"])).toHaveLength(1);
    const both = await villagesUnder(c.tdb.db, ["150402000000", "150402001000"]);
    expect(both).toHaveLength(hongshan.length); // overlap counted once
  });

  it("the Hohhot ETDZ is loaded too", async () => {
    const c = ctx();
    const edz = await json(await c.request("GET", "/api/v1/areas/150172000000"));
    expect(edz).toMatchObject({ name: "呼和浩特经济技术开发区", kind: "county", below: { township: 6, village: 6 } });
  });

  it("unknown and malformed codes are 404; a missing parent is 422; no key is 401", async () => {
    const c = ctx();
    expect((await c.request("GET", "/api/v1/areas/150499000000")).status).toBe(404);
    expect((await c.request("GET", "/api/v1/areas/abc")).status).toBe(404);
    expect((await c.request("GET", "/api/v1/areas")).status).toBe(422);
    expect((await c.request("GET", "/api/v1/areas/150400000000", { key: null })).status).toBe(401);
  });
});
