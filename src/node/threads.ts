// Threads of the Node process (the dispatcher, the demo's simulated devices): started with
// their data, answering `started` (with what they report) or `failed`, stopped by a `stop`
// message they answer with `stopped`. A thread may lower its own CPU priority (a Linux
// thread's nice value is its own): the demo's simulated devices do.
import { setPriority } from "node:os";
import { Worker, type MessagePort } from "node:worker_threads";
import type { Logger } from "../lib/log.js";
import { errorFields } from "../lib/log.js";

export type ThreadMessage<R = unknown> =
  | { type: "started"; report: R }
  | { type: "failed"; error: string }
  | { type: "stop" }
  | { type: "stopped" }
  /** Anything else a thread tells the main thread (runThread's `tellMain`, startThread's `onMessage`). */
  | { type: "tell"; body: unknown };

export interface RunningThread<R> {
  report: R;
  stop(): Promise<void>;
}

/** A thread entry beside this file, as this file runs (.ts under tsx, else .js). */
export const threadEntry = (name: string) =>
  new URL(`./${name}${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url);

/** Under tsx (a .ts entry) a worker does not inherit the TypeScript loader: the thread is
 * started through tsx's own import API, else straight from its compiled file. */
function worker(entry: URL, data: unknown): Worker {
  if (!entry.href.endsWith(".ts")) return new Worker(entry, { workerData: data });
  const api = import.meta.resolve("tsx/esm/api");
  const boot = `const { tsImport } = await import(${JSON.stringify(api)});
await tsImport(${JSON.stringify(entry.href)}, ${JSON.stringify(import.meta.url)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`), { workerData: data });
}

/** Resolves once the thread has started; rejects with its own error otherwise. A thread
 * that dies later calls `onExit`. */
export function startThread<R>(
  name: string,
  entry: URL,
  data: unknown,
  o: { log: Logger; onExit: (error: unknown) => void; onMessage?: (body: unknown) => void },
): Promise<RunningThread<R>> {
  const w = worker(entry, data);
  let started = false;
  let stopping = false;
  const exited = new Promise<void>((r) => w.once("exit", () => r()));
  return new Promise((resolve, reject) => {
    w.on("message", (m: ThreadMessage<R>) => {
      if (m.type === "tell") {
        try {
          o.onMessage?.(m.body);
        } catch (e) {
          o.log.error(`${name} thread's message failed`, errorFields(e));
        }
        return;
      }
      if (m.type === "failed") reject(new Error(`${name} thread: ${m.error}`));
      if (m.type !== "started") return;
      started = true;
      resolve({
        report: m.report,
        async stop() {
          stopping = true;
          w.postMessage({ type: "stop" } satisfies ThreadMessage);
          // Bounded: a stuck send must not hold the shutdown for ever.
          const t = setTimeout(() => void w.terminate(), 20_000);
          await exited;
          clearTimeout(t);
        },
      });
    });
    w.on("error", (e) => {
      o.log.error(`${name} thread failed`, errorFields(e));
      reject(e);
    });
    w.on("exit", (code) => {
      const e = new Error(`${name} thread exited (${code})`);
      if (!started) reject(e);
      else if (!stopping) o.onExit(e);
    });
  });
}

/** The thread side: lower this thread's priority, run `start`, report, and on `stop` run
 * what it returned, then answer. */
export async function runThread<R>(
  port: MessagePort,
  nice: number,
  start: (tellMain: (body: unknown) => void) => Promise<{ report: R; stop: () => Promise<void> }>,
): Promise<void> {
  const tell = (m: ThreadMessage<R>) => port.postMessage(m);
  try {
    setPriority(nice); // the calling thread's own on Linux
  } catch {
    // Not permitted (or not Linux): the thread runs at the process's priority.
  }
  try {
    const running = await start((body) => tell({ type: "tell", body }));
    port.on("message", (m: ThreadMessage) => {
      if (m.type !== "stop") return;
      void running.stop().finally(() => {
        tell({ type: "stopped" });
        port.close();
      });
    });
    tell({ type: "started", report: running.report });
  } catch (e) {
    tell({ type: "failed", error: e instanceof Error ? e.message : String(e) });
    port.close();
  }
}
