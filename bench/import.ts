// bench/import: the recipients CSV import through the public API (BENCH_ROWS people over
// Chifeng's villages, all or nothing), against a bare COPY of the same CSV into an
// unindexed table in the same run. Prints one line of key=value figures.
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { sql } from "drizzle-orm";
import { benchApp, benchDb, report, rssMb } from "./lib.js";
import { insertUser } from "../src/db/queries/users.js";
import { sha256Hex } from "../src/lib/crypto.js";

const N = Number(process.env.BENCH_ROWS ?? 200_000);
const b = await benchDb();
try {
  const { app } = await benchApp(b.db);
  const key = `wck_bench_${Math.random().toString(36).slice(2)}`;
  await insertUser(b.db, { name: "admin", role: "admin", areaScope: "150400000000", keyHash: await sha256Hex(key) });
  const vs = (
    await b.db.execute<{ code: string }>(sql`select code from areas where kind = 'village' and code like '1504%'`)
  ).map((v) => v.code);
  const lines = Array.from(
    { length: N },
    (_, i) => `p${i},+86137${String(i).padStart(8, "0")},${vs[i % vs.length]},public`,
  );
  const csv = `name,phone,area_code,audiences\n${lines.join("\n")}\n`;

  const t = performance.now();
  const r = await app.request("/api/v1/recipients/import", {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "text/csv" },
    body: csv,
  });
  if (r.status !== 200) throw new Error(`import: ${r.status} ${(await r.text()).slice(0, 500)}`);
  const importS = (performance.now() - t) / 1000;
  const body = (await r.json()) as { imported: number };

  await b.sql`create table bare_recipients (name text, phone text, area_code text, audiences text)`;
  const t2 = performance.now();
  const w = await b.sql`copy bare_recipients from stdin with (format csv, header true)`.writable();
  await pipeline(Readable.from([csv]), w);
  const copyS = (performance.now() - t2) / 1000;

  report("import", {
    rows: N,
    imported: body.imported,
    import_s: importS.toFixed(2),
    import_rows_per_s: Math.round(N / importS),
    bare_copy_rows_per_s: Math.round(N / copyS),
    ratio_import_vs_bare_copy: (copyS / importS).toFixed(2),
    goal_rows_per_s: ">=20000",
    peak_rss_mb: rssMb(),
  });
} finally {
  await b.close();
}
