// Node-only boot shared by the server, scripts and benches: database (embedded or
// DATABASE_URL), migrations, seed data.
import postgres, { type Sql } from "postgres";
import { join } from "node:path";
import { CONNECTION, createDb, type Db } from "./db/client.js";
import { migrateDatabase } from "./db/migrate.js";
import { startEmbeddedPostgres, type EmbeddedHandle } from "./db/embedded.js";
import { seedAreas } from "./seed/areas.js";
import type { Logger } from "./lib/log.js";

export interface Database {
  sql: Sql;
  db: Db;
  url: string;
  embedded: EmbeddedHandle | null;
  close(): Promise<void>;
}

/** `name` is the connection's application_name, so pg_stat_activity tells the pools apart. */
export function connect(url: string, max = 10, name = "warncast"): Sql {
  return postgres(url, { max, onnotice: () => {}, connection: { ...CONNECTION, application_name: name } });
}

export async function openDatabase(opts: {
  url?: string | undefined;
  dataDir: string;
  log: Logger;
  max?: number;
  /** Ports this process will listen on (PORT): the embedded server never takes them. */
  avoidPorts?: readonly number[];
}): Promise<Database> {
  let embedded: EmbeddedHandle | null = null;
  let url = opts.url;
  if (!url) {
    embedded = await startEmbeddedPostgres({
      dataDir: join(opts.dataDir, "pg"),
      log: (m) => opts.log.warn(m),
      ...(opts.avoidPorts ? { avoidPorts: opts.avoidPorts } : {}),
    });
    url = embedded.url;
  }
  await migrateDatabase(url);
  const sql = connect(url, opts.max);
  const db = createDb(sql);
  const seeded = await seedAreas(db);
  if (seeded > 0) opts.log.info("seeded areas", { rows: seeded });
  return {
    sql,
    db,
    url,
    embedded,
    async close() {
      await sql.end({ timeout: 5 });
      await embedded?.stop();
    },
  };
}
