// Starting the webhook listener's thread (webhooks-thread.ts) on the port the environment
// asks for (config/env.ts webhookListener). Without one set, on one machine, it takes a
// free port and keeps it in the data folder: Twilio posts a message's receipts to the
// address it was given at send time, so a restart that moved the listener would lose the
// receipts of everything sent before it. The port is drawn below the kernel's ephemeral
// range, which every outgoing connection takes its local port from: a port from that range,
// free while warncast was down, could be any connection's by the restart. (PORT + 1 was the
// first default: a harness or another service on the next port failed to start when
// warncast got there first.)
import { randomInt } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../lib/log.js";
import { errorFields } from "../lib/log.js";
import type { WebhookListener } from "../config/env.js";
import { startThread, threadEntry, type RunningThread } from "./threads.js";
import type { WebhooksReport, WebhooksThreadData } from "./webhooks-thread.js";

const PORT_FILE = "webhook-port";
/** Ports drawn before settling for any free one (taken ones are rare below the range). */
const DRAWS = 4;

export interface StartedListener {
  thread: RunningThread<WebhooksReport> | null;
  /** What the start banner says about where webhooks are served. */
  banner: string;
}

/** Starts the listener; throws only when a port that was set (WEBHOOK_PORT) cannot be had. */
export async function startWebhookListener(o: {
  listener: WebhookListener;
  /** PORT, which the API listens on after this starts. */
  apiPort: number;
  dataDir: string;
  data: Omit<WebhooksThreadData, "thread" | "port" | "publicUrl">;
  log: Logger;
  onExit: (e: unknown) => void;
}): Promise<StartedListener> {
  const { listener, dataDir, log } = o;
  const kept = listener.port === null ? await keptPort(dataDir) : null;
  const drawn = listener.port === null ? await portsBelowEphemeral(DRAWS) : [];
  // Never the API's own port: it is not bound yet, so it would look free here.
  const tries =
    listener.port !== null
      ? [listener.port]
      : [...(kept !== null ? [kept] : []), ...drawn, 0].filter((p) => p === 0 || p !== o.apiPort);
  let failure: unknown;
  for (const port of tries) {
    const data: WebhooksThreadData = { ...o.data, thread: "webhooks", port, publicUrl: listener.publicUrl };
    try {
      const thread = await startThread<WebhooksReport>("webhooks", threadEntry("webhooks-thread"), data, {
        log,
        onExit: o.onExit,
      });
      if (listener.port === null) await keepPort(dataDir, thread.report.port, log);
      return {
        thread,
        banner: `webhooks: a listener of their own on port ${thread.report.port}, given to providers as ${thread.report.url} (WEBHOOK_PORT; off: share this port)`,
      };
    } catch (e) {
      failure = e;
    }
  }
  if (listener.chosen) throw failure;
  // No port to be had at all: webhooks share the API's port, as before there was a listener.
  return { thread: null, banner: `webhooks: on this port (no listener of their own: ${(failure as Error).message})` };
}

/** `n` random ports between 20000 and the first ephemeral port (Linux's range, else the
 * IANA one). */
async function portsBelowEphemeral(n: number): Promise<number[]> {
  const range = await readFile("/proc/sys/net/ipv4/ip_local_port_range", "utf8").catch(() => "");
  const first = Number(range.trim().split(/\s+/)[0]) || 49152;
  const low = 20_000;
  if (first - 1 <= low) return [];
  return Array.from({ length: n }, () => randomInt(low, first));
}

async function keptPort(dataDir: string): Promise<number | null> {
  const text = await readFile(join(dataDir, PORT_FILE), "utf8").catch(() => null);
  const port = Number(text?.trim());
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : null;
}

async function keepPort(dataDir: string, port: number, log: Logger): Promise<void> {
  try {
    await mkdir(dataDir, { recursive: true });
    await writeFile(join(dataDir, PORT_FILE), `${port}\n`);
  } catch (e) {
    // Not kept: after a restart the listener may move, and receipts posted to the old
    // address are lost; said once, loudly.
    log.warn("webhook listener port not kept across restarts", { port, ...errorFields(e) });
  }
}
