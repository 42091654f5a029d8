// `npm start`'s embedded default stopped by its PID while it is still starting (a harness
// that gives up waiting, an operator's Ctrl-C): the Postgres server it was starting is a
// process of its own and must stop with it. It used to keep running, holding the data
// folder, after the service had exited at once.
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { stopChild } from "../helpers/processes.js";

/** PIDs of the processes whose command line names `needle`. */
async function processesNaming(needle: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cmd = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    if (cmd.split("\0").join(" ").includes(needle)) found.push(Number(entry));
  }
  return found;
}

describe("stopping the embedded default while it starts", () => {
  it("a SIGTERM while its Postgres is starting stops that Postgres too", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "warncast-start-stop-"));
    const pgDir = join(dataDir, "pg");
    const env: Record<string, string | undefined> = {
      ...process.env,
      PORT: "0",
      HOST: "127.0.0.1",
      WARNCAST_DATA_DIR: dataDir,
      WARNCAST_SEED_DEMO: "false",
      LOG_LEVEL: "warn",
    };
    delete env.DATABASE_URL;
    const child = spawn(process.execPath, ["--import", "tsx", "src/server.ts"], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout!.on("data", (c) => (out += c));
    child.stderr!.on("data", (c) => (out += c));
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    try {
      // Its Postgres is up (a process naming the data folder) and the service not yet
      // listening: the moment a harness's patience runs out.
      const [postgres] = await vi.waitUntil(
        async () => {
          const pids = await processesNaming(`-D ${pgDir}`);
          return pids.length > 0 ? pids : null;
        },
        { timeout: 60_000, interval: 20 },
      );
      expect(out).not.toMatch(/listening on/);
      child.kill("SIGTERM");
      expect(await exited, out).toBe(0);
      expect(await processesNaming(`-D ${pgDir}`)).toEqual([]);
      expect(await stat(join(pgDir, "postmaster.pid")).catch(() => null)).toBeNull();
      expect(postgres).toBeGreaterThan(0);
    } finally {
      await stopChild(child, 10_000);
      // Whatever this test started and left, by PID (a failing run must not leak it).
      for (const pid of await processesNaming(`-D ${pgDir}`)) process.kill(pid, "SIGTERM");
      await vi.waitUntil(async () => (await processesNaming(`-D ${pgDir}`)).length === 0, {
        timeout: 15_000,
        interval: 50,
      });
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
