// Stopping a child process this run started: by its PID, never by name.
import type { ChildProcess } from "node:child_process";

/** SIGTERM (a graceful shutdown), then SIGKILL if it has not exited within `graceMs`;
 * resolves when it has exited. A child already gone resolves at once. */
export async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  const t = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(t);
}
