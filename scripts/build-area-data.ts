// Builds data/divisions/chifeng.csv (committed) from the division list copied out of
// ../shared/data, adding populations. Only the city total (2020 census) and five county
// figures are known; the rest is distributed by village count and marked `estimate`.
// Re-run only when the source list or the known figures change.
import { readFileSync, writeFileSync } from "node:fs";
import { parseCsvRecords, toCsv } from "../src/lib/csv.js";
import { distribute } from "../src/domain/population.js";

const CITY = "150400000000";
const CITY_TOTAL = 4_035_967; // 第七次全国人口普查 (2020)
const KNOWN: Record<string, number> = {
  红山区: 469_100,
  元宝山区: 285_000,
  松山区: 706_300,
  林西县: 187_000,
  敖汉旗: 449_000,
};

const src = parseCsvRecords(readFileSync("data/divisions/chifeng-source.csv", "utf8")).records.map((r) => r.values);
const counties = src.filter((r) => r.level === "county");
const villagesOf = (county: string) =>
  src.filter((r) => r.level === "village" && r.code!.startsWith(county.slice(0, 6)));

const pop = new Map<string, [number, string]>([[CITY, [CITY_TOTAL, "census"]]]);
const unknown = counties.filter((c) => KNOWN[c.name!] === undefined);
const rest = CITY_TOTAL - Object.values(KNOWN).reduce((a, b) => a + b, 0);
const restSplit = distribute(
  rest,
  unknown.map((c) => villagesOf(c.code!).length),
);
unknown.forEach((c, i) => {
  pop.set(c.code!, [restSplit[i]!, "estimate"]);
});
for (const c of counties) if (KNOWN[c.name!] !== undefined) pop.set(c.code!, [KNOWN[c.name!]!, "reported"]);

for (const c of counties) {
  const vs = villagesOf(c.code!);
  const split = distribute(
    pop.get(c.code!)![0],
    vs.map(() => 1),
  );
  vs.forEach((v, i) => {
    pop.set(v.code!, [split[i]!, "estimate"]);
  });
}
for (const t of src.filter((r) => r.level === "township")) {
  const sum = src
    .filter((r) => r.level === "village" && r.parent_code === t.code)
    .reduce((a, v) => a + pop.get(v.code!)![0], 0);
  pop.set(t.code!, [sum, "estimate"]);
}

const rows = src.map((r) => [
  r.code!,
  r.name!,
  r.level!,
  r.parent_code!,
  pop.get(r.code!)?.[0] ?? "",
  pop.get(r.code!)?.[1] ?? "",
]);
writeFileSync(
  "data/divisions/chifeng.csv",
  toCsv(["code", "name", "level", "parent_code", "population", "population_basis"], rows),
);
console.log(
  `wrote ${rows.length} areas; villages sum = ${[...pop.entries()].filter(([k]) => src.find((r) => r.code === k)?.level === "village").reduce((a, [, v]) => a + v[0], 0)}`,
);
