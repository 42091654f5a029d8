// A real warncast server process for end-to-end tests: its own database (or one the test
// prepared), ephemeral port, the demo keys it prints, stopped by PID.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { stopChild } from "../helpers/processes.js";

export interface RunningServer {
  url: string;
  keys: { role: string; agency: string; scope: string; username: string; key: string }[];
  key(role: string, scope?: string): string;
  username(role: string, scope?: string): string;
  /** Sets a demo user's console password through the API (as its admin would). */
  setPassword(username: string, password: string, adminKey?: string): Promise<void>;
  output: () => string;
  stop(): Promise<void>;
  /** kill -9: no shutdown, leases and in-flight sends left as they were; the database stays. */
  crash(): Promise<void>;
}

export async function startServer(
  env: Record<string, string> = {},
  opts: { tdb?: TestDatabase } = {},
): Promise<RunningServer> {
  const tdb: TestDatabase = opts.tdb ?? (await createTestDatabase());
  const dataDir = await mkdtemp(join(tmpdir(), "warncast-e2e-"));
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "src/server.ts"], {
    env: {
      ...process.env,
      DATABASE_URL: tdb.url,
      PORT: "0",
      HOST: "127.0.0.1",
      WARNCAST_DATA_DIR: dataDir,
      LOG_LEVEL: "warn",
      SMS_SIMULATOR_DELAY_MS: "200",
      SMS_SIMULATOR_FAILURE_RATE: "0",
      SMS_RATE_PER_SECOND: "500",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (c) => (out += c));
  child.stderr!.on("data", (c) => (out += c));
  const stop = async () => {
    await stopChild(child, 10_000);
    await tdb.drop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 45_000);
      const check = () => {
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m && /started in/.test(out)) {
          clearTimeout(t);
          resolve(m[1]!);
        }
      };
      child.stdout!.on("data", check);
      child.once("exit", (code) => {
        clearTimeout(t);
        reject(new Error(`server exited ${code}:\n${out}`));
      });
    });
    const line = /role=(\w+)\s+agency=(\S+)\s+scope=(\d+)\s+username=(\S+)\s+key=(\S+)/g;
    const find = (role: string, scope: string) => {
      const k = keys.find((x) => x.role === role && (x.scope === scope || role === "admin"));
      if (!k) throw new Error(`no ${role} key in:\n${out}`);
      return k;
    };
    const keys = [...out.matchAll(line)].map((m) => ({
      role: m[1]!,
      agency: m[2]!,
      scope: m[3]!,
      username: m[4]!,
      key: m[5]!,
    }));
    return {
      url,
      keys,
      output: () => out,
      stop,
      async crash() {
        // A process killed by a signal keeps exitCode null: its signalCode says it has gone.
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((r) => child.once("exit", () => r()));
        child.kill("SIGKILL");
        await exited;
        await rm(dataDir, { recursive: true, force: true });
      },
      key(role, scope = "150400000000") {
        return find(role, scope).key;
      },
      username(role, scope = "150400000000") {
        return find(role, scope).username;
      },
      async setPassword(username, password, adminKey) {
        const key = adminKey ?? find("admin", "").key;
        const h = { authorization: `Bearer ${key}`, "content-type": "application/json" };
        const list = await fetch(`${url}/api/v1/users?limit=500`, { headers: h });
        const users = (await list.json()) as { items: { id: string; username: string }[] };
        const u = users.items.find((x) => x.username === username);
        if (!u) throw new Error(`no user ${username}`);
        const body = JSON.stringify({ password });
        const res = await fetch(`${url}/api/v1/users/${u.id}`, { method: "PATCH", headers: h, body });
        if (res.status !== 200) throw new Error(`setPassword ${username}: ${res.status} ${await res.text()}`);
      },
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
