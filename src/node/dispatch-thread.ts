// The dispatcher's thread: the planner and the channels' claim → send → record loops, on
// their own event loop and database pool. A city-wide fan-out runs the sending code (the
// twilio client, ~300 µs of CPU a message) flat out; on the HTTP thread it queued every
// staff request behind it (a cancel during a fan-out took 145 ms against 18 ms idle). It
// runs a little below the HTTP thread's priority (src/server.ts, docs/scale.md).
import { parentPort, workerData } from "node:worker_threads";
import { parseEnv } from "../config/env.js";
import { createLogger, errorFields } from "../lib/log.js";
import { createDb } from "../db/client.js";
import { DispatchRunner } from "../dispatch/runner.js";
import { rendererFor } from "../templates/default.js";
import { loadTemplates } from "./templates.js";
import { setupChannels } from "./channels.js";
import { nodeServices } from "./services.js";
import { runThread } from "./threads.js";
import type { DeviceHub } from "../hub/hub.js";
import type { DeviceCommandRow } from "../deliveries/device-commands.js";
import type { Warning } from "../db/queries/warnings.js";
import { nicedPool } from "./backend-priority.js";

const DISPATCH_APPLICATION = "warncast-dispatch";

export interface DispatchThreadData {
  thread: "dispatch";
  databaseUrl: string;
  nice: number;
  /** The database is the embedded one on this machine: its sessions are niced too. */
  niceBackends: boolean;
  /** The webhook listener's address (WEBHOOK_PORT), given to providers for callbacks. */
  webhookUrl?: string | undefined;
  /** The main thread runs a device hub: the planner's devices step hands it its commands. */
  handDevicesToMain?: boolean;
}

/** What the dispatch thread tells the main thread: a devices step's reserved commands. */
export interface DeviceCommandsMessage {
  type: "device-commands";
  commands: DeviceCommandRow[];
  warning: Warning;
}

if (parentPort && (workerData as DispatchThreadData | null)?.thread === "dispatch") {
  const data = workerData as DispatchThreadData;
  await runThread(parentPort, data.nice, async (tellMain) => {
    const env = parseEnv(process.env);
    const log = createLogger({ level: env.LOG_LEVEL }).child({ part: "dispatch" });
    const templates = await loadTemplates(env);
    const pool = nicedPool({
      url: data.databaseUrl,
      max: env.DATABASE_POOL_SIZE,
      application: DISPATCH_APPLICATION,
      nice: data.nice,
      niced: data.niceBackends,
      log,
    });
    const { sql } = pool;
    const services = nodeServices(env, createDb(sql), templates, log, { webhookUrl: data.webhookUrl });
    // Only the people's and platforms' channels send from here; devices are the HTTP
    // thread's hub's, so no hub is needed to build them (their health is read there).
    const channels = setupChannels({ env, services, log, hub: null as unknown as DeviceHub });
    const runner = new DispatchRunner({
      db: services.db,
      sql,
      channels: channels.senders,
      renderer: rendererFor(services),
      log,
      // The devices step's commands go to the main thread's hub (src/server.ts), which
      // sends them and writes their rows, as an approve's.
      ...(data.handDevicesToMain
        ? {
            onDeviceCommands: (commands: DeviceCommandRow[], warning: Warning) =>
              tellMain({ type: "device-commands", commands, warning } satisfies DeviceCommandsMessage),
          }
        : {}),
    });
    await runner.start();
    return {
      report: null,
      async stop() {
        await runner.stop().catch((e) => log.error("dispatcher stop failed", errorFields(e)));
        await channels.close().catch((e) => log.error("channel close failed", errorFields(e)));
        await pool.close();
      },
    };
  });
}
