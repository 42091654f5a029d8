// Node-only: the migrator reads drizzle/ from disk. After the migrations, the database
// functions whose one source lives in src/db/sql/ (or is generated from the TypeScript
// that owns their rule: the delivery transitions) are (re)installed, so a rule is stated once.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres, { type Sql } from "postgres";
import { databaseFunctions } from "./sql/functions.js";

export const MIGRATIONS_DIR = fileURLToPath(new URL("../../drizzle", import.meta.url));
const SQL_DIR = new URL("./sql/", import.meta.url);

export async function runMigrations(client: Sql): Promise<void> {
  await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_DIR });
  const pace = await readFile(new URL("pace.sql", SQL_DIR), "utf8");
  // One transaction: instances starting together each replace the same definitions.
  await client.begin(async (tx) => {
    await tx.unsafe("select pg_advisory_xact_lock(hashtext('warncast:functions'))");
    await tx.unsafe(databaseFunctions());
    await tx.unsafe(pace);
    // This month's and the next two months' ledger partitions (the retention job keeps them ahead).
    await tx.unsafe("select ensure_ledger_partitions(now()::date, 3)");
  });
}

/** Migrates the database at `url` on a connection of its own, closed before returning.
 * A pool that will query the database must connect after this: postgres.js learns the
 * array types once per connection, as it connects, and a connection that ran the
 * migrations met the enums before they existed (it sent an enum array parameter as
 * "sms,email" until recycled; test/db/fresh-database.test.ts). */
export async function migrateDatabase(url: string): Promise<void> {
  const client = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await runMigrations(client);
  } finally {
    await client.end({ timeout: 5 });
  }
}
