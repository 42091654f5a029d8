// Node-only: a real Postgres started by the service itself when DATABASE_URL is unset.
import { existsSync, mkdirSync, readFileSync, rmSync, chmodSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import EmbeddedPostgres from "./embedded-postgres.js";

export interface EmbeddedHandle {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** A port the OS reports free now, none of `avoid`: ports the caller will listen on later
 * look free until then (the embedded Postgres, started first, once took the API's PORT). */
export async function freePort(avoid: readonly number[] = []): Promise<number> {
  for (let i = 0; i < 16; i++) {
    const port = await osPort();
    if (!avoid.includes(port)) return port;
  }
  throw new Error(`no free port outside ${avoid.join(", ")}`);
}

function osPort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => ok(port));
    });
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A server orphaned by a killed run keeps postmaster.pid and makes start() reject with
 * `undefined`; stop it (by the PID it recorded) and wait for it to exit. */
async function clearStaleServer(dataDir: string): Promise<void> {
  const pidFile = join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
    process.kill(pid, "SIGINT"); // fast shutdown
    for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
    if (alive(pid)) process.kill(pid, "SIGKILL");
  }
  rmSync(pidFile, { force: true });
}

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  database?: string;
  persistent?: boolean;
  log?: (msg: string) => void;
  /** Ports this process will listen on itself (PORT): never the server's. */
  avoidPorts?: readonly number[];
}): Promise<EmbeddedHandle> {
  const dataDir = resolve(opts.dataDir);
  // As root the server runs as the `postgres` OS user: every parent must be traversable.
  const parent = resolve(dataDir, "..");
  mkdirSync(parent, { recursive: true });
  chmodSync(parent, 0o755);
  await clearStaleServer(dataDir);
  const port = await freePort(opts.avoidPorts);
  const password = "warncast";
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: "postgres",
    password,
    persistent: opts.persistent ?? true,
    createPostgresUser: true,
    // fsync off: this is a local demo/test server; a crash loses at most the demo data.
    // Bigger buffers and WAL keep a million-row fan-out from checkpointing mid-statement.
    postgresFlags: [
      "-c",
      "fsync=off",
      "-c",
      "synchronous_commit=off",
      "-c",
      "full_page_writes=off",
      "-c",
      "max_connections=200",
      "-c",
      "shared_buffers=512MB",
      "-c",
      "max_wal_size=4GB",
      "-c",
      "wal_buffers=32MB",
      "-c",
      "checkpoint_timeout=30min",
      "-c",
      "work_mem=32MB",
      "-c",
      "maintenance_work_mem=256MB",
    ],
    onLog: () => {},
    onError: (e) => opts.log?.(`embedded-postgres: ${String(e)}`),
  });
  if (!existsSync(join(dataDir, "PG_VERSION"))) await pg.initialise();
  await pg.start();
  const database = opts.database ?? "warncast";
  const url = `postgres://postgres:${password}@127.0.0.1:${port}/${database}`;
  if (database !== "postgres") {
    await pg.createDatabase(database).catch((e: unknown) => {
      if (!String((e as Error)?.message ?? e).includes("already exists")) throw e;
    });
  }
  return { url, port, stop: () => pg.stop() };
}

/** A PostgreSQL to create throwaway databases on (tests, benches): DATABASE_URL when set,
 * else an embedded server in a fresh temp dir that `stop()` removes. */
export async function startScratchPostgres(prefix: string): Promise<{ adminUrl: string; stop(): Promise<void> }> {
  if (process.env.DATABASE_URL) return { adminUrl: process.env.DATABASE_URL, stop: async () => {} };
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  const pg = await startEmbeddedPostgres({ dataDir: join(dir, "pg"), database: "postgres", persistent: false });
  return {
    adminUrl: pg.url,
    async stop() {
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
