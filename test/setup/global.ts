// One Postgres for the whole run: DATABASE_URL if set, else an embedded server in a temp
// dir. A template database is migrated and seeded once; every test file clones it.
import { mkdtempSync, rmSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres, type EmbeddedHandle } from "../../src/db/embedded.js";
import { runMigrations } from "../../src/db/migrate.js";
import { createDb } from "../../src/db/client.js";
import { seedAreas } from "../../src/seed/areas.js";

declare module "vitest" {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplate: string;
  }
}

const withDb = (url: string, db: string) => {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
};

export default async function setup(project: TestProject) {
  let embedded: EmbeddedHandle | null = null;
  let dir: string | null = null;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    dir = mkdtempSync(join(tmpdir(), "warncast-test-"));
    chmodSync(dir, 0o755);
    embedded = await startEmbeddedPostgres({ dataDir: join(dir, "pg"), database: "postgres", persistent: false });
    adminUrl = embedded.url;
  }
  const template = `warncast_tmpl_${process.pid}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${template}`);
  await admin.unsafe(`create database ${template}`);
  const tmpl = postgres(withDb(adminUrl, template), { max: 1, onnotice: () => {} });
  await runMigrations(tmpl);
  await seedAreas(createDb(tmpl));
  await tmpl.end();

  project.provide("pgAdminUrl", adminUrl);
  project.provide("pgTemplate", template);

  return async () => {
    const leftovers = await admin<{ datname: string }[]>`select datname from pg_database where datname like ${"t_" + process.pid + "_%"}`;
    for (const d of leftovers) await admin.unsafe(`drop database if exists ${d.datname} with (force)`);
    await admin.unsafe(`drop database if exists ${template} with (force)`);
    await admin.end();
    await embedded?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
}
