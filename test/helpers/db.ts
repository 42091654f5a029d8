import postgres, { type Sql } from "postgres";
import { inject } from "vitest";
import { CONNECTION, createDb, type Db } from "../../src/db/client.js";

export interface TestDatabase {
  name: string;
  url: string;
  sql: Sql;
  db: Db;
  drop(): Promise<void>;
}

let counter = 0;

/** A fresh database cloned from the migrated, seeded template (~50 ms); `empty`: a bare
 * database with no tables at all, as a deployer's new database is. */
export async function createTestDatabase(opts: { empty?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = inject("pgAdminUrl");
  const template = inject("pgTemplate");
  // The template's owner pid (global setup) prefixes names so its teardown finds leftovers.
  const name = `t_${template.split("_").at(-1)}_${process.pid}_${++counter}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(opts.empty ? `create database ${name}` : `create database ${name} template ${template}`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const sql = postgres(u.toString(), { max: 8, onnotice: () => {}, connection: CONNECTION });
  return {
    name,
    url: u.toString(),
    sql,
    db: createDb(sql),
    async drop() {
      await sql.end({ timeout: 5 });
      const a = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}
