// One Postgres for the whole run: DATABASE_URL if set, else an embedded server in a temp
// dir. A template database is migrated and seeded once; every test file clones it.
import postgres from "postgres";
import type { TestProject } from "vitest/node";
import { startScratchPostgres } from "../../src/db/embedded.js";
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

/** vitest logs a global teardown's error ("error during close") and still exits 0: a
 * teardown that could not clean up must fail the run instead. */
export function failsTheRun(teardown: () => Promise<void>): () => Promise<void> {
  return async () => {
    try {
      await teardown();
    } catch (e) {
      process.exitCode = 1;
      throw e;
    }
  };
}

export default async function setup(project: TestProject) {
  const scratch = await startScratchPostgres("warncast-test-");
  const adminUrl = scratch.adminUrl;
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

  return failsTheRun(async () => {
    const leftovers = await admin<
      { datname: string }[]
    >`select datname from pg_database where datname like ${"t_" + process.pid + "_%"}`;
    for (const d of leftovers) await admin.unsafe(`drop database if exists ${d.datname} with (force)`);
    await admin.unsafe(`drop database if exists ${template} with (force)`);
    await admin.end();
    await scratch.stop();
  });
}
