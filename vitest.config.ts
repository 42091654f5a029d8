import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/setup/global.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file gets its own database cloned from a migrated template; two workers keep
    // the 2-core machine busy without starving Postgres.
    maxWorkers: 2,
    reporters: ["default"],
  },
});
