// Node-only: loads the division files shipped in data/divisions/ into `areas`.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { upsertAreas, type AreaRow } from "../db/queries/areas.js";
import { parseCsvRecords } from "../lib/csv.js";
import { kindFromLevel } from "../domain/areas.js";

const DIR = fileURLToPath(new URL("../../data/divisions/", import.meta.url));
export const SEED_FILES = ["inner-mongolia.csv", "chifeng.csv", "hohhot-edz.csv"];

export function readDivisionFile(file: string): AreaRow[] {
  return parseCsvRecords(readFileSync(DIR + file, "utf8")).records.map(({ values: v }) => ({
    code: v.code!,
    name: v.name!,
    kind: kindFromLevel(v.level!),
    parentCode: v.parent_code || null,
    population: v.population ? Number(v.population) : null,
    populationBasis: v.population_basis || null,
  }));
}

/** Loads the seed divisions when the table is empty; returns how many rows it wrote. */
export async function seedAreas(db: Db): Promise<number> {
  const [row] = await db.execute<{ n: number }>(sql`select count(*)::int as n from areas`);
  if ((row?.n ?? 0) > 0) return 0;
  let n = 0;
  for (const f of SEED_FILES) n += await upsertAreas(db, readDivisionFile(f));
  return n;
}
