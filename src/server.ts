// Node entry: HTTP API, and (as later parts land) the WebSocket hub, dispatcher loops
// and cron jobs, around the same Hono app the Worker serves.
import { serveHttp } from "./node/listen.js";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { parseEnv, webhookListener } from "./config/env.js";
import { createLogger, errorFields } from "./lib/log.js";
import { createApp } from "./app.js";
import { connect, openDatabase, type Database } from "./runtime.js";
import type { Sql } from "postgres";
import { createDb } from "./db/client.js";
import { bannerLine, seedDemoUsers, seedSyntheticRecipients } from "./seed/demo.js";
import { seedDemoDevices } from "./seed/demo-devices.js";
import type { Services } from "./services.js";
import { setupChannels, type ChannelSetup } from "./node/channels.js";
import { startThread, threadEntry, type RunningThread } from "./node/threads.js";
import type { DeviceCommandsMessage, DispatchThreadData } from "./node/dispatch-thread.js";
import type { WebhooksReport } from "./node/webhooks-thread.js";
import { startWebhookListener } from "./node/webhook-listener.js";
import type { DemoDevicesReport, DemoDevicesThreadData } from "./node/demo-devices-thread.js";
import { nodeServices } from "./node/services.js";
import { DeviceHub } from "./hub/hub.js";
import { rendererFor } from "./templates/default.js";
import { startCron } from "./node/cron.js";
import { jobs } from "./jobs/index.js";
import { TemplateError, type TemplateCatalog } from "./templates/catalog.js";
import { loadTemplates } from "./node/templates.js";
import { receiptsPool } from "./node/receipts-pool.js";

const t0 = performance.now();
/** Nice values of the threads (the HTTP thread keeps the process's, 0). The dispatcher a
 * little below it: measured on a million-person fan-out (docs/scale.md), a cancel then took
 * 16 ms against 16 ms idle (78 ms at nice 0, the staff request's statements queueing for the
 * CPU), with no loss of sending rate; nice 10 starved the sending whenever anything else
 * on the machine was busy. The demo's simulated devices, which stand for hardware out in
 * the villages, run below the service. */
const DISPATCH_NICE = 3;
/** Receipts below the sending: they move coverage counts, the sends reach people. */
const WEBHOOKS_NICE = 5;
const DEMO_DEVICES_NICE = 5;
// Declared before anything that may call shutdown() (a thread's exit, which may come while
// the rest is still starting: shutdown stops what exists by then).
let stopping = false;
let server: Server | undefined;
let hub: DeviceHub | undefined;
let channelSetup: ChannelSetup | undefined;
let demoDevices: RunningThread<DemoDevicesReport> | null = null;
let cron: ReturnType<typeof startCron> | undefined;
let dispatcher: RunningThread<null> | null = null;
let webhooks: RunningThread<WebhooksReport> | null = null;
let opening: Promise<Database> | undefined;
let requestSql: Sql | undefined;
let receipts: ReturnType<typeof receiptsPool> | undefined;
const env = parseEnv(process.env);
const log = createLogger({ level: env.LOG_LEVEL });
// From here on a signal stops the start in order: stopped by its PID while its embedded
// Postgres was starting, the process used to exit at once and leave that server running.
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
/** Start-up steps after a shutdown began wait here for its exit, starting nothing more. */
const stopped = () => (stopping ? new Promise<never>(() => {}) : Promise.resolve());

// Templates first: a broken file stops start-up here, naming the file, before anything
// else starts (and long before a message would be sent with it).
let templates: TemplateCatalog;
try {
  templates = await loadTemplates(env);
} catch (e) {
  if (!(e instanceof TemplateError)) throw e;
  console.error(e.message);
  process.exit(1);
}

opening = openDatabase({
  url: env.DATABASE_URL,
  dataDir: env.WARNCAST_DATA_DIR,
  log,
  max: env.DATABASE_POOL_SIZE,
  avoidPorts: [env.PORT, ...(typeof env.WEBHOOK_PORT === "number" ? [env.WEBHOOK_PORT] : [])],
});
const database = await opening;
await stopped();
// HTTP requests get a pool of their own: the engine (dispatch loops, planner, hub, jobs)
// may hold every connection of its pool in a storm, and the duty officer's console must
// still answer.
requestSql = connect(database.url, env.DATABASE_POOL_SIZE, "warncast-api");
// Provider receipts that arrive on PORT: a pool of their own (node/receipts-pool.ts).
receipts = receiptsPool({ url: database.url, nice: DISPATCH_NICE, niced: Boolean(database.embedded), log });
const banner: string[] = [];
if (env.WARNCAST_SEED_DEMO === "true") {
  const keys = await seedDemoUsers(database.db);
  if (keys.length > 0) {
    const people = await seedSyntheticRecipients(database.db);
    banner.push(`demo data: ${people} synthetic recipients (phones +86100…, never real numbers)`);
    banner.push("demo API keys (shown once, stored hashed):");
    for (const k of keys) banner.push(bannerLine(k));
    banner.push("  (console sign-in needs a password: PATCH /api/v1/users/{id} or npm run admin -- reset-password)");
  }
}
await stopped();

// Provider webhooks on a listener and thread of their own (WEBHOOK_PORT), started before
// the channels: the SMS channel gives Twilio its address.
const listener = webhookListener(env);
if (listener) {
  try {
    const started = await startWebhookListener({
      listener,
      apiPort: env.PORT,
      dataDir: env.WARNCAST_DATA_DIR,
      data: {
        databaseUrl: database.url,
        nice: WEBHOOKS_NICE,
        niceBackends: Boolean(database.embedded),
        // Given to providers as a loopback address, it is reachable only there: no port
        // opened on every interface for nothing.
        host: listener.publicUrl ? env.HOST : "127.0.0.1",
      },
      log,
      onExit: (e) => void shutdown("webhooks thread exit", e),
    });
    webhooks = started.thread;
    banner.push(started.banner);
  } catch (e) {
    await failStart(e);
  }
} else {
  banner.push(
    env.WEBHOOK_PORT === "off"
      ? "webhooks: on this port (WEBHOOK_PORT=off)"
      : "webhooks: on this port (a listener of their own behind PUBLIC_URL needs WEBHOOK_PORT and WEBHOOK_PUBLIC_URL)",
  );
}
await stopped();
const webhookUrl = webhooks?.report.url;
const services: Services = nodeServices(env, database.db, templates, log, { webhookUrl });
const renderer = rendererFor(services);
// Loudspeakers and displays connect at /ws/devices on the same port (DESIGN §10); the
// device channels deliver through this hub.
const deviceHub = new DeviceHub({
  db: database.db,
  sql: database.sql,
  renderer,
  policy: services.policy,
  log: log.child({ part: "hub" }),
});
hub = deviceHub;
let channels: ChannelSetup;
try {
  channels = setupChannels({ env, services, log, hub: deviceHub });
} catch (e) {
  channels = await failStart(e);
}
channelSetup = channels;
banner.push(...channels.banner);
services.mailer = channels.mailer;
services.channelHealth = channels.health;
// An approve in this process hands its device commands to this hub once committed.
services.onDeviceCommands = (commands, warning) => deviceHub.sendCommitted(commands, warning);
const app = createApp({ ...services, db: createDb(requestSql), receiptsDb: createDb(receipts.sql) });
// The planner and the sending loops run on a thread of their own at a lower CPU priority
// (node/dispatch-thread.ts): a city-wide fan-out must not queue the duty officer's requests.
if (env.WARNCAST_DISPATCH === "true") {
  try {
    const data: DispatchThreadData = {
      thread: "dispatch",
      databaseUrl: database.url,
      nice: DISPATCH_NICE,
      niceBackends: Boolean(database.embedded),
      webhookUrl,
      handDevicesToMain: true,
    };
    dispatcher = await startThread<null>("dispatch", threadEntry("dispatch-thread"), data, {
      log,
      onExit: (e) => void shutdown("dispatch thread exit", e),
      // A devices step's reserved commands: this hub sends them and writes their rows.
      onMessage: (body) => {
        const m = body as DeviceCommandsMessage;
        if (m.type === "device-commands") deviceHub.sendCommitted(m.commands, m.warning);
      },
    });
  } catch (e) {
    await failStart(e);
  }
}
await stopped();

server = serveHttp({ fetch: app.fetch, port: env.PORT, hostname: env.HOST }, (info) => {
  const lines = [
    // The address really bound: 0.0.0.0 (the default) is every interface, not only this machine.
    `warncast listening on http://${env.HOST}:${info.port}${
      ["0.0.0.0", "::"].includes(env.HOST) ? ` (every interface; on this machine http://127.0.0.1:${info.port})` : ""
    } (docs: /docs, /openapi.json)`,
    `database: ${database.embedded ? `embedded PostgreSQL on 127.0.0.1:${database.embedded.port} (data in ${env.WARNCAST_DATA_DIR}/pg)` : "DATABASE_URL"}`,
    ...banner,
    `started in ${Math.round(performance.now() - t0)} ms`,
  ];
  for (const l of lines) console.log(l);
});
const listening = server;
deviceHub.attach(listening as Server);
await deviceHub.start();
await stopped();
const demoDevicesOn = env.WARNCAST_DEMO_DEVICES
  ? env.WARNCAST_DEMO_DEVICES === "true"
  : Boolean(database.embedded) && env.WARNCAST_SEED_DEMO === "true";
if (demoDevicesOn) {
  // After listen: the simulators connect to this very server over loopback.
  await new Promise<void>((r) => (listening.listening ? r() : listening.once("listening", () => r())));
  const port = (listening.address() as AddressInfo).port;
  const added = await seedDemoDevices(database.db);
  const data: DemoDevicesThreadData = {
    thread: "demo-devices",
    databaseUrl: database.url,
    wsUrl: `ws://127.0.0.1:${port}/ws/devices`,
    nice: DEMO_DEVICES_NICE,
  };
  demoDevices = await startThread<DemoDevicesReport>("demo-devices", threadEntry("demo-devices-thread"), data, {
    log,
    // The simulated fleet is the demo's, not the service's: losing it stops nothing real.
    onExit: (e) => log.error("demo devices stopped", errorFields(e)),
  });
  const r = demoDevices.report;
  console.log(
    `demo devices: ${r.connected} simulated loudspeakers/displays online (${added} new), ` +
      `${r.offline} offline, ${r.failing} failing (WARNCAST_DEMO_DEVICES=false turns them off)`,
  );
}
await stopped();
// Scheduled jobs (src/jobs): each slot runs on exactly one instance (cron_runs).
cron = startCron({ jobs, services });

/** A start-up step failed: its message on stderr, then whatever started before it stopped
 * (shutdown exits 1; one already under way exits by itself). */
async function failStart(e: unknown): Promise<never> {
  console.error((e as Error).message);
  await shutdown("start-up failed", e);
  return new Promise<never>(() => {});
}

async function shutdown(signal: string, failure?: unknown) {
  if (stopping) return;
  stopping = true;
  if (failure) log.error("shutting down: nothing would send", errorFields(failure));
  else log.info("shutting down", { signal });
  server?.close();
  await demoDevices?.stop();
  await cron?.stop().catch((e) => log.error("cron stop failed", errorFields(e)));
  await hub?.stop().catch((e) => log.error("hub stop failed", errorFields(e)));
  await dispatcher?.stop().catch((e) => log.error("dispatcher stop failed", errorFields(e)));
  // After the dispatcher: the receipts of its last sends still find their listener.
  await webhooks?.stop().catch((e) => log.error("webhooks stop failed", errorFields(e)));
  await channelSetup?.close().catch((e) => log.error("channel close failed", errorFields(e)));
  await receipts?.close();
  await requestSql?.end({ timeout: 5 }).catch((e) => log.error("close failed", errorFields(e)));
  // A database still starting is waited for, then stopped: its server is a process of ours.
  const db = await opening?.catch(() => undefined);
  await db?.close().catch((e) => log.error("close failed", errorFields(e)));
  process.exit(failure ? 1 : 0);
}
