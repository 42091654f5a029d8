// The Worker in workerd (from npm) under `wrangler dev --local`, offline, on a loopback port
// wrangler picks, with its Hyperdrive binding pointed at a given database.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface DevWorker {
  url: string;
  /** Everything wrangler and the Worker printed so far (the Worker's JSON logs included). */
  output(): string;
  /** Resolves once the output contains `text` (log lines arrive after the response). */
  waitForOutput(text: string, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const WRANGLER = "node_modules/wrangler/bin/wrangler.js";

export async function startWranglerDev(
  databaseUrl: string,
  o: { vars?: Record<string, string>; timeoutMs?: number } = {},
): Promise<DevWorker> {
  const timeoutMs = o.timeoutMs ?? 60_000;
  // Hyperdrive refuses a connection string without a password; a server that asks for none
  // (trust, as a CI DATABASE_URL may be) ignores it.
  const db = new URL(databaseUrl);
  if (!db.password) db.password = "unused";
  const state = mkdtempSync(join(tmpdir(), "warncast-wrangler-"));
  const args = ["dev", "--local", "--ip", "127.0.0.1", "--port", "0", "--persist-to", state];
  args.push("--show-interactive-dev-session=false");
  // Secrets a deployment sets with `wrangler secret put`, as plain vars here.
  for (const [k, v] of Object.entries(o.vars ?? {})) args.push("--var", `${k}:${v}`);
  const child = spawn(process.execPath, [WRANGLER, ...args], {
    // Its own process group, so stop() reaches workerd and esbuild too, and only them.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: "false",
      // Offline: skip the Request.cf download (it would only log a failure).
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      // wrangler.toml's localConnectionString is for a developer's own Postgres.
      CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: db.toString(),
    },
  });
  let out = "";
  const waiters = new Set<() => void>();
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const stop = async () => {
    const kill = (sig: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, sig);
      } catch {
        /* the group is already gone */
      }
    };
    kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000).unref())]);
    // wrangler exiting does not prove workerd did: nothing of the group may outlive the test.
    kill("SIGKILL");
    rmSync(state, { recursive: true, force: true });
  };

  const deadline = Date.now() + timeoutMs;
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`wrangler dev not ready in ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const onData = (d: Buffer) => {
      out += d;
      for (const w of waiters) w();
      const m = /Ready on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`wrangler dev exited before it was ready:\n${out}`));
    });
  });

  try {
    const url = await ready;
    // "Ready" means the socket is bound; the Worker itself answers once workerd has loaded it.
    for (;;) {
      const res = await fetch(`${url}/health`).catch(() => null);
      await res?.arrayBuffer();
      if (res?.status === 200) break;
      if (child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`/health never answered 200 (last ${res?.status}):\n${out}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const waitForOutput = (text: string, ms = 10_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no "${text}" in ${ms} ms:\n${out}`));
        }, ms);
        function check() {
          if (!out.includes(text)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        }
        waiters.add(check);
        check();
      });
    return { url, output: () => out, waitForOutput, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
