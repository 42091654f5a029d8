// Node-only: the migrator reads drizzle/ from disk.
import { fileURLToPath } from "node:url";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import { drizzle } from "drizzle-orm/postgres-js";
import type { Sql } from "postgres";

export const MIGRATIONS_DIR = fileURLToPath(new URL("../../drizzle", import.meta.url));

export async function runMigrations(client: Sql): Promise<void> {
  await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_DIR });
}
