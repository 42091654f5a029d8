// Reference device controller: what a loudspeaker or display vendor implements (README
// "Device protocol"). Connect with the device token, say hello, ack every command
// `received` at once and `played`/`shown` when done, heartbeat, reconnect with backoff.
//   npm run device -- --token wcd_… [--url ws://127.0.0.1:8080/ws/devices] [--kind loudspeaker|display] [--play-ms 2000]
import { parseArgs } from "node:util";
import WebSocket from "ws";
import { CLOSE, type AckState, type CommandFrame, type DeviceFrame, type ServerFrame } from "../src/hub/protocol.js";

const { values: args } = parseArgs({
  options: {
    token: { type: "string", default: process.env.WARNCAST_DEVICE_TOKEN },
    url: { type: "string", default: "ws://127.0.0.1:8080/ws/devices" },
    kind: { type: "string", default: "loudspeaker" },
    "play-ms": { type: "string", default: "2000" },
    firmware: { type: "string", default: "warncast-reference-1.0" },
  },
});
if (!args.token || (args.kind !== "loudspeaker" && args.kind !== "display")) {
  console.error(
    "usage: npm run device -- --token <device token> [--url ws://host:port/ws/devices] [--kind loudspeaker|display] [--play-ms 2000]",
  );
  process.exit(2);
}
const done: AckState = args.kind === "loudspeaker" ? "played" : "shown";
const playMs = Number(args["play-ms"]);

let ws: WebSocket | null = null;
let attempt = 0;
let stopping = false;
let heartbeat: ReturnType<typeof setInterval> | undefined;
/** What is playing now, per warning thread: a newer command or a stop replaces it. */
const playing = new Map<string, ReturnType<typeof setTimeout>>();

const log = (msg: string) => console.log(`${new Date().toISOString()} ${msg}`);
function send(f: DeviceFrame): void {
  if (ws?.readyState === WebSocket.OPEN) ws.send(JSON.stringify(f));
}
const ack = (id: number, state: AckState, detail?: string) =>
  send({ type: "ack", id, state, at: new Date().toISOString(), ...(detail ? { detail } : {}) });

function connect(): void {
  ws = new WebSocket(args.url!, { headers: { authorization: `Bearer ${args.token}` } });
  ws.on("open", () => {
    attempt = 0;
    log(`connected to ${args.url}`);
  });
  ws.on("unexpected-response", (_req, res) => {
    // 401: unknown or revoked token. Retrying cannot help.
    log(`refused: HTTP ${res.statusCode}`);
    if (res.statusCode === 401) process.exit(1);
    ws?.terminate();
  });
  ws.on("message", (data) => onFrame(JSON.parse(data.toString()) as ServerFrame));
  ws.on("error", (e) => log(`socket error: ${e.message}`));
  ws.on("close", (code, reason) => {
    clearInterval(heartbeat);
    if (stopping) process.exit(0);
    if (code === CLOSE.revoked || code === CLOSE.replaced) {
      // Another controller holds this token now, or it was revoked: do not fight it.
      log(`closed ${code} ${reason.toString()}; not reconnecting`);
      process.exit(1);
    }
    // Capped exponential backoff with jitter, so a whole county reconnecting after an
    // outage does not arrive in the same second.
    const ms = Math.min(30_000, 500 * 2 ** attempt++) * (0.5 + Math.random() / 2);
    log(`closed ${code}; reconnecting in ${Math.round(ms)} ms`);
    setTimeout(connect, ms);
  });
}

function onFrame(f: ServerFrame): void {
  switch (f.type) {
    case "welcome":
      // Hello asks for everything still in force that this device has not acknowledged.
      send({ type: "hello", firmware: args.firmware, capabilities: [args.kind === "loudspeaker" ? "tts" : "text"] });
      clearInterval(heartbeat);
      heartbeat = setInterval(
        () => send({ type: "heartbeat", at: new Date().toISOString() }),
        f.heartbeatSeconds * 1000,
      );
      log(`welcome: device ${f.deviceId} (${f.kind}), heartbeat every ${f.heartbeatSeconds} s`);
      return;
    case "ping":
      send({ type: "heartbeat", at: new Date().toISOString() });
      return;
    case "error":
      log(`server error ${f.code}: ${f.message}`);
      return;
    case "command":
      onCommand(f);
      return;
  }
}

function onCommand(c: CommandFrame): void {
  const w = c.warning;
  log(
    `command ${c.id} ${c.action} ${w.level} ${w.type} [${w.language}] x${w.repeat}/${w.interval}s until ${w.expires}: ${w.text}`,
  );
  ack(c.id, "received");
  clearTimeout(playing.get(w.thread));
  playing.delete(w.thread);
  if (c.action === "stop") {
    // Stopping is immediate; the stop command itself is then done.
    ack(c.id, done);
    return;
  }
  if (Date.parse(w.expires) <= Date.now()) {
    ack(c.id, "failed", "expired before it could play");
    return;
  }
  // A real controller drives its amplifier or LED panel here and reports `failed` with
  // the reason (e.g. "amplifier fault") if it cannot.
  playing.set(
    w.thread,
    setTimeout(() => {
      playing.delete(w.thread);
      ack(c.id, done);
      log(`command ${c.id} ${done}`);
    }, playMs),
  );
}

for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    stopping = true;
    for (const t of playing.values()) clearTimeout(t);
    clearInterval(heartbeat);
    if (!ws || ws.readyState === WebSocket.CLOSED) process.exit(0);
    ws.close(1000, "controller shutting down");
    setTimeout(() => process.exit(0), 1_000).unref();
  });
}
connect();
