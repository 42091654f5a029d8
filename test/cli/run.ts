// Runs `npm run admin -- …` as a deployer would, with stdin, and collects its exit status.
import { spawn } from "node:child_process";

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runAdmin(
  args: string[],
  o: { env?: Record<string, string | undefined>; stdin?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, LOG_LEVEL: "warn", ...o.env };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
    const p = spawn("npm", ["run", "--silent", "admin", "--", ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    p.once("error", reject);
    p.once("close", (code) => resolve({ code, stdout, stderr }));
    p.stdin.end(o.stdin ?? "");
  });
}

export const printedKey = (out: string) => /API key \(shown once, stored hashed\): (wck_\S+)/.exec(out)?.[1];
