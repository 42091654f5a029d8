// The demo's simulated loudspeakers and displays (seed/demo-devices.ts) on a thread of
// their own at a low CPU priority: they stand for hardware out in the villages, so their
// 2,700 sockets' work must not run on the event loop that serves the hub and the API (a
// city-wide warning's frames and acks there delayed the first SMS by ~250 ms).
import { parentPort, workerData } from "node:worker_threads";
import { parseEnv } from "../config/env.js";
import { createLogger } from "../lib/log.js";
import { connect } from "../runtime.js";
import { createDb } from "../db/client.js";
import { startDemoDevices, type DemoDevices } from "../seed/demo-devices.js";
import { runThread } from "./threads.js";

export interface DemoDevicesThreadData {
  thread: "demo-devices";
  databaseUrl: string;
  wsUrl: string;
  nice: number;
}

export type DemoDevicesReport = Pick<DemoDevices, "connected" | "offline" | "failing">;

if (parentPort && (workerData as DemoDevicesThreadData | null)?.thread === "demo-devices") {
  const data = workerData as DemoDevicesThreadData;
  await runThread<DemoDevicesReport>(parentPort, data.nice, async () => {
    const env = parseEnv(process.env);
    const log = createLogger({ level: env.LOG_LEVEL }).child({ part: "demo-devices" });
    const sql = connect(data.databaseUrl, 1, "warncast-demo-devices");
    const devices = await startDemoDevices({ db: createDb(sql), wsUrl: data.wsUrl, log });
    return {
      report: { connected: devices.connected, offline: devices.offline, failing: devices.failing },
      async stop() {
        await devices.stop();
        await sql.end({ timeout: 5 });
      },
    };
  });
}
