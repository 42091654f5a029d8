// The webhook listener's thread (WEBHOOK_PORT): provider webhooks (Twilio's status
// callbacks and incoming SMS) on a port, an event loop and a database pool of their own.
// A city-wide warning's receipts arrive at the sending rate, ~1,400 a second here, each
// ~320 µs of the HTTP thread (parsing, routing, the form and its signature, the answer):
// on the staff API's thread they queued every staff request behind them (a cancel during
// a million-person fan-out: 558 ms against 11 ms idle, docs/scale.md). Here they cost the
// staff nothing but CPU, and run below the sending's priority (src/server.ts: receipts move
// coverage counts, sends reach people). The same operations and checks as on PORT
// (createWebhookApp); signatures are checked against this listener's own address, the one
// the SMS channel gives Twilio.
import type { Server } from "node:http";
import { serveHttp } from "./listen.js";
import type { AddressInfo } from "node:net";
import { parentPort, workerData } from "node:worker_threads";
import { parseEnv } from "../config/env.js";
import { createLogger } from "../lib/log.js";
import { createDb } from "../db/client.js";
import { createWebhookApp } from "../app.js";
import { loadTemplates } from "./templates.js";
import { nodeServices } from "./services.js";
import { runThread } from "./threads.js";
import { receiptsPool } from "./receipts-pool.js";

export interface WebhooksThreadData {
  thread: "webhooks";
  databaseUrl: string;
  nice: number;
  /** The database is the embedded one on this machine: its sessions are niced too. */
  niceBackends: boolean;
  port: number;
  host: string;
  /** WEBHOOK_PUBLIC_URL; null → http://127.0.0.1:<the port bound>. */
  publicUrl: string | null;
}

export interface WebhooksReport {
  port: number;
  /** The address providers are given: signatures are checked against it. */
  url: string;
}

if (parentPort && (workerData as WebhooksThreadData | null)?.thread === "webhooks") {
  const data = workerData as WebhooksThreadData;
  await runThread<WebhooksReport>(parentPort, data.nice, async () => {
    const env = parseEnv(process.env);
    const log = createLogger({ level: env.LOG_LEVEL }).child({ part: "webhooks" });
    const pool = receiptsPool({ url: data.databaseUrl, nice: data.nice, niced: data.niceBackends, log });
    const db = createDb(pool.sql);
    const services = nodeServices(env, db, await loadTemplates(env), log);
    services.receiptsDb = db;
    const app = createWebhookApp(services);
    const server = await new Promise<Server>((resolve, reject) => {
      const s = serveHttp({ fetch: app.fetch, port: data.port, hostname: data.host }, () => resolve(s));
      s.once("error", reject);
    }).catch(async (e: unknown) => {
      await pool.close(); // the port is taken: nothing of this thread may stay open
      throw e;
    });
    // Set in the turn that saw the socket listening, before any request can be read: the
    // signatures are checked against it.
    const port = (server.address() as AddressInfo).port;
    const url = data.publicUrl ?? `http://127.0.0.1:${port}`;
    services.config = { ...services.config, publicUrl: url };
    return {
      report: { port, url },
      async stop() {
        // Requests under way are answered (their receipts applied); idle keep-alive
        // sockets are closed so the close can finish.
        const closed = new Promise<void>((r) => server.close(() => r()));
        server.closeIdleConnections();
        await closed;
        await pool.close();
      },
    };
  });
}
