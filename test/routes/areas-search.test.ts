import { describe, expect, it } from "vitest";
import { useContext } from "../helpers/context.js";
import { json } from "../helpers/factories.js";

const ctx = useContext();

describe("GET /api/v1/areas/search (the compose page's area picker)", () => {
  it("finds by part of a name, counties first, each with its parents' names", async () => {
    const body = await json(await ctx().request("GET", "/api/v1/areas/search?q=红山"));
    const kinds = body.items.map((a: { kind: string }) => a.kind);
    expect(body.items[0]).toMatchObject({ code: "150402000000", name: "红山区", kind: "county", parentName: "赤峰市" });
    expect(
      [...kinds].sort(
        (a: string, b: string) =>
          ["county", "township", "village", "grid"].indexOf(a) - ["county", "township", "village", "grid"].indexOf(b),
      ),
    ).toEqual(kinds);
    expect(
      body.items.every(
        (a: { name: string; parentName: string; grandparentName: string | null }) =>
          `${a.grandparentName ?? ""}${a.parentName}${a.name}`.includes("红山") || a.name.includes("红山"),
      ),
    ).toBe(true);
    const village = body.items.find((a: { kind: string }) => a.kind === "village");
    if (village) expect(village.grandparentName).toBeTruthy();
  });

  it("finds by the start of a code, and a name's wildcard characters are literal", async () => {
    const byCode = await json(await ctx().request("GET", "/api/v1/areas/search?q=150402001&limit=100"));
    expect(byCode.items.length).toBeGreaterThan(1);
    expect(byCode.items.every((a: { code: string }) => a.code.startsWith("150402001"))).toBe(true);
    expect(byCode.items[0]).toMatchObject({ code: "150402001000", kind: "township" });
    expect((await json(await ctx().request("GET", "/api/v1/areas/search?q=%25"))).items).toEqual([]);
  });

  it("refuses an empty or over-long query with a 422 naming the field, and needs a key", async () => {
    for (const q of ["", "%20%20", "x".repeat(41)]) {
      const res = await ctx().request("GET", `/api/v1/areas/search?q=${q}`);
      expect(res.status, q).toBe(422);
      expect((await json(res)).errors[0].path).toMatch(/q$/);
    }
    expect((await ctx().request("GET", "/api/v1/areas/search?q=红山", { key: null })).status).toBe(401);
  });
});
