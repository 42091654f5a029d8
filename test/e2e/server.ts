// A real warncast server process for end-to-end tests: its own database, ephemeral port,
// the demo keys it prints, stopped by PID.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";

export interface RunningServer {
  url: string;
  keys: { role: string; scope: string; key: string }[];
  key(role: string, scope?: string): string;
  output: () => string;
  stop(): Promise<void>;
}

export async function startServer(env: Record<string, string> = {}): Promise<RunningServer> {
  const tdb: TestDatabase = await createTestDatabase();
  const dataDir = await mkdtemp(join(tmpdir(), "warncast-e2e-"));
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "src/server.ts"], {
    env: {
      ...process.env, DATABASE_URL: tdb.url, PORT: "0", HOST: "127.0.0.1", WARNCAST_DATA_DIR: dataDir, LOG_LEVEL: "warn",
      SMS_SIMULATOR_DELAY_MS: "200", SMS_SIMULATOR_FAILURE_RATE: "0", SMS_RATE_PER_SECOND: "500", ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (c) => (out += c));
  child.stderr!.on("data", (c) => (out += c));
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise<void>((r) => child.once("exit", () => r()));
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(t);
    }
    await tdb.drop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 45_000);
      const check = () => {
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m && /started in/.test(out)) { clearTimeout(t); resolve(m[1]!); }
      };
      child.stdout!.on("data", check);
      child.once("exit", (code) => { clearTimeout(t); reject(new Error(`server exited ${code}:\n${out}`)); });
    });
    const keys = [...out.matchAll(/role=(\w+)\s+scope=(\d+) key=(\S+)/g)].map((m) => ({ role: m[1]!, scope: m[2]!, key: m[3]! }));
    return {
      url, keys, output: () => out, stop,
      key(role, scope = "150400000000") {
        const k = keys.find((x) => x.role === role && (x.scope === scope || role === "admin"));
        if (!k) throw new Error(`no ${role} key in:\n${out}`);
        return k.key;
      },
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
