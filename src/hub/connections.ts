// Device sockets: authentication before the upgrade, one live connection per device,
// frames in, heartbeats and timeouts. What a frame means for deliveries is the hub's
// business: this file reports hellos, acks and presence changes and sends nothing else.
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import type { Db } from "../db/client.js";
import type { AuditEntry } from "../db/queries/audit.js";
import { findDeviceByTokenHash, type Device } from "../db/queries/devices.js";
import { sha256Hex } from "../lib/crypto.js";
import { errorFields, type Logger } from "../lib/log.js";
import { CLOSE, parseDeviceFrame, sendFrame, type AckState } from "./protocol.js";
import { revokedAmong, type PresenceChange } from "./queries.js";
import { nextTurn } from "../lib/turns.js";

export const DEVICE_PATH = "/ws/devices";

export interface Conn {
  ws: WebSocket;
  device: Device;
  /** Live commands flow only once the replay after `hello` is sent, so order holds. */
  ready: boolean;
  lastSeen: number;
  malformed: number;
}

export interface Ack {
  conn: Conn;
  id: number;
  state: AckState;
  at: Date;
  detail?: string | undefined;
}

/** A presence change, with the audit row it leaves when the device came or went. */
export type Presence = PresenceChange & {
  audit?: Omit<AuditEntry, "actor" | "actorKind" | "subjectType" | "subjectId"> | undefined;
};

export interface ConnectionEvents {
  /** The device said hello: replay what it missed before live commands flow again. */
  hello(conn: Conn): void;
  ack(ack: Ack): void;
  presence(change: Presence): void;
}

export interface ConnectionOptions {
  db: Db;
  log: Logger;
  now: () => Date;
  heartbeatMs: number;
  timeoutMs: number;
  maxMalformed: number;
  stopping: () => boolean;
}

/** Devices pinged per slice of a heartbeat round (a few ms of the HTTP thread). */
const LIVENESS_SLICE = 200;

export class Connections {
  readonly conns = new Map<string, Conn>();
  private livenessRunning = false;
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });

  constructor(
    private readonly o: ConnectionOptions,
    private readonly on: ConnectionEvents,
  ) {}

  onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? "/", "http://hub");
    if (url.pathname !== DEVICE_PATH) return refuse(socket, 404, "Not Found");
    socket.on("error", () => socket.destroy());
    const auth = req.headers.authorization;
    const token = auth?.startsWith("Bearer ") ? auth.slice(7).trim() : url.searchParams.get("token");
    const stopping = this.o.stopping();
    if (stopping) return refuse(socket, 503, "Service Unavailable");
    if (!token) return refuse(socket, 401, "Unauthorized");
    sha256Hex(token)
      .then((h) => findDeviceByTokenHash(this.o.db, h))
      .then((device) => {
        if (!device) return refuse(socket, 401, "Unauthorized");
        this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, device));
      })
      .catch((e) => {
        this.o.log.error("hub upgrade failed", errorFields(e));
        refuse(socket, 503, "Service Unavailable");
      });
  };

  private accept(ws: WebSocket, device: Device): void {
    const prev = this.conns.get(device.id);
    const conn: Conn = { ws, device, ready: false, lastSeen: Date.now(), malformed: 0 };
    this.conns.set(device.id, conn);
    if (prev) prev.ws.close(CLOSE.replaced, "replaced by a newer connection");
    const audit = prev ? undefined : { action: "device.online" };
    this.on.presence({ deviceId: device.id, online: true, at: this.o.now(), audit });
    ws.on("message", (data, isBinary) => this.onMessage(conn, data, isBinary));
    ws.on("pong", () => {
      conn.lastSeen = Date.now();
    });
    ws.on("error", (e) => this.o.log.warn("device socket error", { deviceId: device.id, ...errorFields(e) }));
    ws.on("close", () => {
      // A replaced connection closing must not mark its successor offline.
      if (this.conns.get(device.id) !== conn) return;
      this.conns.delete(device.id);
      const audit = { action: "device.offline", after: { reason: "closed" } };
      this.on.presence({ deviceId: device.id, online: false, at: new Date(conn.lastSeen), audit });
    });
    const heartbeatSeconds = Math.round(this.o.heartbeatMs / 1000);
    sendFrame(ws, { type: "welcome", deviceId: device.id, kind: device.kind, heartbeatSeconds });
  }

  private onMessage(conn: Conn, data: RawData, isBinary: boolean): void {
    conn.lastSeen = Date.now();
    const parsed = isBinary
      ? { ok: false as const, message: "binary frames are not part of the protocol" }
      : parseDeviceFrame(data.toString());
    if (!parsed.ok) {
      conn.malformed++;
      sendFrame(conn.ws, { type: "error", code: "malformed_frame", message: parsed.message });
      if (conn.malformed >= this.o.maxMalformed) conn.ws.close(CLOSE.policy, "too many malformed frames");
      return;
    }
    const f = parsed.frame;
    if (f.type === "hello") {
      this.on.presence({ deviceId: conn.device.id, online: true, at: this.o.now(), firmware: f.firmware });
      conn.ready = false;
      this.on.hello(conn);
    } else if (f.type === "ack") {
      this.on.ack({ conn, id: f.id, state: f.state, at: f.at ? new Date(f.at) : this.o.now(), detail: f.detail });
    }
    // heartbeat: lastSeen is all it changes.
  }

  /** Closes the sockets of revoked devices (4003); they cannot reconnect. */
  closeRevoked(deviceIds: string[]): void {
    for (const id of deviceIds) {
      const c = this.conns.get(id);
      if (!c) continue;
      this.conns.delete(id);
      c.ws.close(CLOSE.revoked, "device revoked");
      const audit = { action: "device.offline", after: { reason: "revoked" } };
      this.on.presence({ deviceId: id, online: false, at: this.o.now(), audit });
    }
  }

  /** One heartbeat round: silent devices are dropped, live ones pinged and seen. A slice
   * of devices at a time, yielding between slices: two writes to each of 2,700 sockets held
   * the HTTP thread 110-300 ms in one piece every round (profiled during a city fan-out),
   * and every staff request arriving then waited for it. A round already running lets the
   * next timer tick pass. */
  async liveness(): Promise<void> {
    if (this.livenessRunning) return;
    this.livenessRunning = true;
    try {
      const now = Date.now();
      const seen: PresenceChange[] = [];
      const all = [...this.conns.values()];
      for (let i = 0; i < all.length; i += LIVENESS_SLICE) {
        if (i > 0) await nextTurn();
        for (const c of all.slice(i, i + LIVENESS_SLICE)) {
          // Gone or replaced (a reconnect) since the round started: not this round's.
          if (this.conns.get(c.device.id) !== c) continue;
          if (now - c.lastSeen > this.o.timeoutMs) {
            this.conns.delete(c.device.id);
            c.ws.terminate();
            const audit = { action: "device.offline", after: { reason: "timeout" } };
            this.on.presence({ deviceId: c.device.id, online: false, at: new Date(c.lastSeen), audit });
            continue;
          }
          c.ws.ping();
          sendFrame(c.ws, { type: "ping", at: new Date(now).toISOString() });
          seen.push({ deviceId: c.device.id, online: true, at: new Date(c.lastSeen) });
        }
      }
      // last_seen of live devices: the batcher writes the whole round in one statement.
      for (const s of seen) this.on.presence(s);
      // A revocation NOTIFY lost while the listener reconnected is caught here.
      if (seen.length > 0) {
        await revokedAmong(
          this.o.db,
          seen.map((s) => s.deviceId),
        )
          .then((ids) => this.closeRevoked(ids))
          .catch((e) => this.o.log.error("hub revocation check failed", errorFields(e)));
      }
    } finally {
      this.livenessRunning = false;
    }
  }

  /** Asks every device to go (1001); they reconnect to another instance. */
  goingAway(): void {
    for (const c of this.conns.values()) c.ws.close(CLOSE.goingAway, "server shutting down");
  }

  async close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    await new Promise<void>((r) => this.wss.close(() => r()));
  }
}

// Refusing before the WebSocket handshake: a plain HTTP response on the raw socket.
function refuse(socket: Duplex, status: number, reason: string): void {
  if (socket.writable) {
    const head = `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain`;
    socket.write(`${head}\r\nContent-Length: ${reason.length}\r\n\r\n${reason}`);
  }
  socket.destroy();
}
