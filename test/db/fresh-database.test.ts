// A deployer's first start: the service opens a new, empty database, migrates it and then
// queries it through the same pool. postgres.js learns the database's array types once per
// connection, when it connects: a connection that ran the migrations had connected before
// the enums existed, and with prepared statements it then sent an enum array parameter as
// "sms,email" ("malformed array literal"; the 叫应 job's statement, found by
// bench:escalation), until the connection was recycled up to an hour later.
import { afterAll, describe, expect, it } from "vitest";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { openDatabase } from "../../src/runtime.js";
import { silentLogger } from "../../src/lib/log.js";

let t: TestDatabase | null = null;

afterAll(async () => {
  await t?.drop();
});

describe("a new database", () => {
  it("takes enum array parameters on every pooled connection after its migrations", async () => {
    t = await createTestDatabase({ empty: true });
    // One connection: the pool has no other to fall back on.
    const d = await openDatabase({ url: t.url, dataDir: "/nonexistent", log: silentLogger, max: 1 });
    try {
      const [r] = await d.db.execute<{ n: number }>(
        sql`select array_length(${sql.param(["sms", "email"])}::channel[], 1) as n`,
      );
      expect(r).toEqual({ n: 2 });
    } finally {
      await d.close();
    }
  });
});

/** Every .ts file under `dir`. */
async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sources(p)));
    else if (e.name.endsWith(".ts") || e.name.endsWith(".tsx")) out.push(p);
  }
  return out;
}

describe("array parameters", () => {
  it("are sent as arrays of built-in types (an enum array is cast from text[] in the statement)", async () => {
    // A type Postgres ships with is known to every connection; an enum array type only to
    // connections made after it existed (a rolling upgrade adding one, say).
    const builtIn = new Set([
      "text",
      "uuid",
      "bigint",
      "int",
      "integer",
      "smallint",
      "jsonb",
      "timestamptz",
      "boolean",
    ]);
    const found: string[] = [];
    for (const file of await sources(join(import.meta.dirname, "../../src"))) {
      const text = await readFile(file, "utf8");
      for (const m of text.matchAll(/\$\{sql\.param\([^}]*\)\}::(\w+)\[\]/g)) found.push(`${file}: ${m[1]}`);
    }
    expect(found.length).toBeGreaterThan(10);
    expect(found.filter((f) => !builtIn.has(f.split(": ")[1]!))).toEqual([]);
  });
});
