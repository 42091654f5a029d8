// A running hub for tests: the real app on an http server at 127.0.0.1:0 with the hub on
// its upgrade event, and real `ws` clients that queue the frames they receive.
import { serveHttp } from "../../src/node/listen.js";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import postgres from "postgres";
import WebSocket from "ws";
import { createApp } from "../../src/app.js";
import { createDb } from "../../src/db/client.js";
import { DeviceHub, type HubOptions } from "../../src/hub/hub.js";
import { silentLogger } from "../../src/lib/log.js";
import type { MessageRenderer } from "../../src/dispatch/render.js";
import type { TestContext } from "../helpers/context.js";
import { json } from "../helpers/factories.js";

/** Has `mn` templates for loudspeakers only: an `mn` display falls back to `zh`, as a
 * missing template does in production. */
export const echoRenderer: MessageRenderer = {
  render: (w, channel, language) => {
    const used = language === "mn" && channel !== "loudspeaker" ? "zh" : language;
    return { text: `[${used}/${channel}] ${w.headline}`, language: used };
  },
};

export interface RunningHub {
  hub: DeviceHub;
  /** The hub's client: a LISTEN on it shares the hub's connection, and so its order. */
  sql: postgres.Sql;
  url: string;
  close(): Promise<void>;
}

/** An instance: own postgres client (so NOTIFY crosses connections as between processes).
 * With `listen: false` it takes sockets but never starts: no notice, no catch-up round, so
 * only what a test hands it (or a device's replay) is sent. */
export async function startHub(
  c: TestContext,
  over: Partial<HubOptions> = {},
  o: { listen?: boolean } = {},
): Promise<RunningHub> {
  const sql = postgres(c.tdb.url, { max: 4, onnotice: () => {} });
  const db = createDb(sql);
  const app = createApp({ ...c.services, db });
  const server = await new Promise<Server>((resolve) => {
    const s = serveHttp({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  const hub = new DeviceHub({ db, sql, renderer: echoRenderer, policy: c.services.policy, log: silentLogger, ...over });
  hub.attach(server);
  if (o.listen !== false) await hub.start();
  const { port } = server.address() as AddressInfo;
  return {
    hub,
    sql,
    url: `ws://127.0.0.1:${port}/ws/devices`,
    async close() {
      await hub.stop();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await sql.end({ timeout: 5 });
    },
  };
}

export async function createDevice(
  c: TestContext,
  body: { kind: "loudspeaker" | "display"; areaCode: string; languages?: string[]; reach?: number },
) {
  const r = await c.request("POST", "/api/v1/devices", { json: { name: `${body.kind} ${body.areaCode}`, ...body } });
  if (r.status !== 201) throw new Error(`device: ${r.status} ${await r.text()}`);
  return json<{ id: string; token: string }>(r);
}

export type Frame = Record<string, any> & { type: string };

/** How long a hub test waits for a state before failing. Every wait returns as soon as the
 * state is there; the bound only decides when a missing state fails the test. 5 s was
 * exceeded once while the suite's heaviest files ran beside the hub tests on two cores. */
const STATE_WAIT_MS = 20_000;

export class TestDevice {
  readonly frames: Frame[] = [];
  private waiters: (() => void)[] = [];
  closed: { code: number; reason: string } | null = null;
  private constructor(readonly ws: WebSocket) {
    ws.on("message", (d, isBinary) => {
      // The protocol's frames are text: a binary one is never what a test waits for.
      this.frames.push(isBinary ? { type: "binary" } : JSON.parse(d.toString()));
      this.wake();
    });
    ws.on("close", (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
  }

  private wake() {
    for (const w of this.waiters.splice(0)) w();
  }

  static connect(url: string, token: string | null, how: "header" | "query" = "header"): Promise<TestDevice> {
    const u = token && how === "query" ? `${url}?token=${encodeURIComponent(token)}` : url;
    const ws = new WebSocket(u, token && how === "header" ? { headers: { authorization: `Bearer ${token}` } } : {});
    const d = new TestDevice(ws);
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(d));
      ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once("error", reject);
    });
  }

  /** Connects and says hello, as a controller does. */
  static async online(url: string, token: string): Promise<TestDevice> {
    const d = await TestDevice.connect(url, token);
    await d.next((f) => f.type === "welcome");
    d.send({ type: "hello", firmware: "test-1.0", capabilities: ["tts"] });
    return d;
  }

  send(frame: unknown) {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** The first not-yet-taken frame matching `pred`, waiting up to `ms`. */
  async next(pred: (f: Frame) => boolean, ms = STATE_WAIT_MS): Promise<Frame> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.frames.findIndex(pred);
      if (i >= 0) return this.frames.splice(i, 1)[0]!;
      const left = deadline - Date.now();
      if (left <= 0 || this.closed)
        throw new Error(
          `no matching frame within ${ms} ms (have ${JSON.stringify(this.frames)}; closed ${JSON.stringify(this.closed)})`,
        );
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  commands() {
    return this.frames.filter((f) => f.type === "command");
  }

  waitClosed(ms = STATE_WAIT_MS): Promise<{ code: number; reason: string }> {
    return this.next(() => false, ms).then(
      () => this.closed!,
      () => {
        if (this.closed) return this.closed;
        throw new Error("not closed");
      },
    );
  }

  close() {
    this.ws.terminate();
  }
}

/** Polls `f` until it returns a truthy value (bounded). */
export async function until<T>(f: () => Promise<T>, ms = STATE_WAIT_MS): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}
