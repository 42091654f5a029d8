// The device hub (Node only): loudspeakers and displays hold a WebSocket here. The hub
// owns device delivery: on NOTIFY (and a short catch-up poll, so a missed notification
// loses nothing) it claims queued device deliveries for the devices connected to THIS
// instance, sends command frames and records acks. Devices are never run through the
// DispatchRunner: only the instance holding the socket can send to a device.
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import type { Sql } from "postgres";
import type { Db } from "../db/client.js";
import type { Policy } from "../config/grading.js";
import type { MessageRenderer } from "../dispatch/render.js";
import { applyDeliveryReports, type StatusChange } from "../dispatch/status.js";
import { findDeviceByTokenHash, type Device } from "../db/queries/devices.js";
import { writeAudit, type AuditEntry } from "../db/queries/audit.js";
import { sha256Hex } from "../lib/crypto.js";
import { errorFields, type Logger } from "../lib/log.js";
import { CLOSE, parseDeviceFrame, type AckState, type CommandFrame, type ServerFrame } from "./protocol.js";
import { applyPresence, claimDeviceCommands, recordRenderedLanguages, revokedAmong, ownedDeliveries, pendingForDevices, reachedDevicesOf, type DeviceCommandRow, type PresenceChange } from "./queries.js";
import { buildCommands } from "./commands.js";
import { DELIVERIES_CHANNEL, DEVICE_REVOKED_CHANNEL, WARNING_ENDED_CHANNEL } from "./notify.js";

export const DEVICE_PATH = "/ws/devices";

export interface HubOptions {
  db: Db;
  /** postgres.js client, for LISTEN. */
  sql: Sql;
  renderer: MessageRenderer | null;
  policy: Policy;
  log: Logger;
  now?: () => Date;
  /** Protocol ping + `ping` frame interval. */
  heartbeatMs?: number;
  /** A device silent this long is marked offline and its socket terminated. */
  timeoutMs?: number;
  /** Catch-up query interval (a NOTIFY lost during a reconnect to Postgres). */
  catchUpMs?: number;
  /** Malformed frames tolerated before closing with 1008. */
  maxMalformed?: number;
}

interface Conn {
  ws: WebSocket;
  device: Device;
  /** Live commands flow only once the replay after `hello` is sent, so order holds. */
  ready: boolean;
  lastSeen: number;
  malformed: number;
}

const ACK_STATUS: Record<AckState, StatusChange["status"]> = { received: "delivered", played: "acknowledged", shown: "acknowledged", failed: "failed" };

export class DeviceHub {
  readonly conns = new Map<string, Conn>();
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  private readonly o: Required<Omit<HubOptions, "renderer">> & { renderer: MessageRenderer | null };
  private timers: ReturnType<typeof setInterval>[] = [];
  private unlisten: (() => Promise<void>)[] = [];
  private servers: Server[] = [];
  private delivering: Promise<void> | null = null;
  private deliverAgain = false;
  private acks: { conn: Conn; id: number; state: AckState; at: Date; detail?: string | undefined }[] = [];
  private presence: (PresenceChange & { audit?: Omit<AuditEntry, "actor" | "actorKind" | "subjectType" | "subjectId"> })[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private hellos = new Set<Conn>();
  private replayTimer: ReturnType<typeof setTimeout> | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(opts: HubOptions) {
    this.o = { now: () => new Date(), heartbeatMs: 20_000, timeoutMs: 60_000, catchUpMs: 2_000, maxMalformed: 5, ...opts };
  }

  attach(server: Server): void {
    server.on("upgrade", this.onUpgrade);
    this.servers.push(server);
  }

  async start(): Promise<void> {
    const a = await this.o.sql.listen(DELIVERIES_CHANNEL, () => this.deliver());
    const b = await this.o.sql.listen(WARNING_ENDED_CHANNEL, (id) => void this.stopEnded(id).catch((e) => this.o.log.error("hub stop-ended failed", errorFields(e))));
    const c = await this.o.sql.listen(DEVICE_REVOKED_CHANNEL, (id) => this.closeRevoked([id]));
    this.unlisten.push(a.unlisten, b.unlisten, c.unlisten);
    this.timers.push(setInterval(() => this.deliver(), this.o.catchUpMs));
    this.timers.push(setInterval(() => this.liveness(), Math.min(this.o.heartbeatMs, this.o.timeoutMs / 2)));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    if (this.replayTimer) clearTimeout(this.replayTimer);
    for (const u of this.unlisten) await u().catch(() => {});
    for (const s of this.servers) s.off("upgrade", this.onUpgrade);
    for (const c of this.conns.values()) c.ws.close(CLOSE.goingAway, "server shutting down");
    await this.delivering;
    await this.flush();
    for (const c of this.wss.clients) c.terminate();
    await new Promise<void>((r) => this.wss.close(() => r()));
  }

  // --- connection ---------------------------------------------------------------------

  private onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(req.url ?? "/", "http://hub");
    if (url.pathname !== DEVICE_PATH) return refuse(socket, 404, "Not Found");
    socket.on("error", () => socket.destroy());
    const auth = req.headers.authorization;
    const token = auth?.startsWith("Bearer ") ? auth.slice(7).trim() : url.searchParams.get("token");
    if (!token || this.stopped) return refuse(socket, this.stopped ? 503 : 401, this.stopped ? "Service Unavailable" : "Unauthorized");
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
    this.queuePresence({ deviceId: device.id, online: true, at: this.o.now(), audit: prev ? undefined : { action: "device.online" } });
    ws.on("message", (data, isBinary) => this.onMessage(conn, data, isBinary));
    ws.on("pong", () => { conn.lastSeen = Date.now(); });
    ws.on("error", (e) => this.o.log.warn("device socket error", { deviceId: device.id, ...errorFields(e) }));
    ws.on("close", () => {
      // A replaced connection closing must not mark its successor offline.
      if (this.conns.get(device.id) !== conn) return;
      this.conns.delete(device.id);
      this.queuePresence({ deviceId: device.id, online: false, at: new Date(conn.lastSeen), audit: { action: "device.offline", after: { reason: "closed" } } });
    });
    send(ws, { type: "welcome", deviceId: device.id, kind: device.kind, heartbeatSeconds: Math.round(this.o.heartbeatMs / 1000) });
  }

  private onMessage(conn: Conn, data: RawData, isBinary: boolean): void {
    conn.lastSeen = Date.now();
    const parsed = isBinary ? { ok: false as const, message: "binary frames are not part of the protocol" } : parseDeviceFrame(data.toString());
    if (!parsed.ok) {
      conn.malformed++;
      send(conn.ws, { type: "error", code: "malformed_frame", message: parsed.message });
      if (conn.malformed >= this.o.maxMalformed) conn.ws.close(CLOSE.policy, "too many malformed frames");
      return;
    }
    const f = parsed.frame;
    if (f.type === "hello") {
      this.queuePresence({ deviceId: conn.device.id, online: true, at: this.o.now(), firmware: f.firmware });
      // Live delivery waits until the replay is out: a command issued during the replay is
      // then claimed by the next deliver() and arrives after the older ones, never before.
      conn.ready = false;
      this.hellos.add(conn);
      this.scheduleReplay();
    } else if (f.type === "ack") {
      this.acks.push({ conn, id: f.id, state: f.state, at: f.at ? new Date(f.at) : this.o.now(), detail: f.detail });
      this.scheduleFlush();
    }
    // heartbeat: lastSeen is all it changes.
  }

  // --- commands -----------------------------------------------------------------------

  /** Sends every queued command for devices connected here; concurrent calls coalesce. */
  deliver(): Promise<void> {
    if (this.delivering) {
      this.deliverAgain = true;
      return this.delivering;
    }
    this.delivering = (async () => {
      do {
        this.deliverAgain = false;
        const ids = [...this.conns.values()].filter((c) => c.ready).map((c) => c.device.id);
        const rows = await claimDeviceCommands(this.o.db, ids, this.o.now());
        await this.sendRows(rows);
      } while (this.deliverAgain && !this.stopped);
    })()
      .catch((e) => this.o.log.error("hub deliver failed", errorFields(e)))
      .finally(() => { this.delivering = null; });
    return this.delivering;
  }

  private scheduleReplay(): void {
    if (this.replayTimer) return;
    // Hellos arriving within 10 ms share one claim and one select: a county's controllers
    // reconnecting together after an outage cost a few statements, not thousands.
    this.replayTimer = setTimeout(() => {
      this.replayTimer = null;
      const batch = [...this.hellos];
      this.hellos.clear();
      void this.replay(batch).catch((e) => this.o.log.error("hub replay failed", { devices: batch.length, ...errorFields(e) }));
    }, 10);
  }

  private async replay(batch: Conn[]): Promise<void> {
    const current = batch.filter((c) => this.conns.get(c.device.id) === c);
    if (current.length === 0) return;
    try {
      const rows = await pendingForDevices(this.o.db, current.map((c) => c.device.id), this.o.now());
      await this.sendRows(rows);
    } finally {
      // A device whose replay failed still gets live commands; its next hello retries.
      for (const c of current) if (this.conns.get(c.device.id) === c && !this.hellos.has(c)) c.ready = true;
    }
    await this.deliver();
  }

  /** `stop` to connected devices that had a warning which has now ended (expiry job). */
  async stopEnded(warningId: string): Promise<number> {
    const rows = await reachedDevicesOf(this.o.db, warningId, [...this.conns.keys()]);
    return this.sendRows(rows, "ended");
  }

  private async sendRows(rows: DeviceCommandRow[], stop?: "ended"): Promise<number> {
    if (rows.length === 0) return 0;
    const cmds = await buildCommands(this.o.db, rows, { renderer: this.o.renderer, policy: this.o.policy, ...(stop ? { stop } : {}) });
    let n = 0;
    for (const { row, json } of cmds) {
      // A device that dropped since the claim gets the command on its next hello (it is
      // `sent` but not acknowledged, so the replay includes it).
      const c = this.conns.get(row.deviceId);
      if (c && c.ws.readyState === c.ws.OPEN) {
        c.ws.send(json);
        n++;
      }
    }
    if (!stop) await recordRenderedLanguages(this.o.db, cmds.filter((x) => x.frame.warning.language !== x.row.language).map((x) => ({ id: x.row.id, language: x.frame.warning.language })));
    return n;
  }

  // --- acks and presence, written in batches ------------------------------------------

  private queuePresence(p: (typeof this.presence)[number]): void {
    this.presence.push(p);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    // 20 ms collects a burst of acks from thousands of devices into one statement.
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      void this.flush();
    }, 20);
  }

  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.flushNow()).catch((e) => this.o.log.error("hub flush failed", errorFields(e)));
    return this.flushing;
  }

  private async flushNow(): Promise<void> {
    const acks = this.acks.splice(0);
    const presence = this.presence.splice(0);
    if (acks.length > 0) {
      const owned = await ownedDeliveries(this.o.db, acks.map((a) => ({ id: a.id, deviceId: a.conn.device.id })));
      for (const a of acks) if (!owned.has(a.id)) send(a.conn.ws, { type: "error", code: "unknown_command", message: `no command ${a.id} for this device`, id: a.id });
      // Oldest first, so received is applied before played when both are in one batch.
      const reports = acks.filter((a) => owned.has(a.id)).sort((x, y) => x.at.getTime() - y.at.getTime());
      for (const batch of splitByRepeat(reports)) {
        await applyDeliveryReports(this.o.db, batch.map((a) => ({
          deliveryId: a.id, status: ACK_STATUS[a.state], at: a.at,
          ...(a.state === "failed" ? { errorCode: "device_failed", error: a.detail ?? "device reported failure" } : {}),
        })));
      }
    }
    if (presence.length > 0) {
      // Last change per device wins; audit rows record each online/offline transition.
      const last = new Map(presence.map((p) => [p.deviceId, p]));
      // The latest firmware a device reported in this batch (a later change may not carry one).
      const firmware = new Map(presence.filter((p) => p.firmware).map((p) => [p.deviceId, p.firmware]));
      const audits: AuditEntry[] = presence.filter((p) => p.audit).map((p) => ({ actor: p.deviceId, actorKind: "device", subjectType: "device", subjectId: p.deviceId, ...p.audit! }));
      // One transaction: a device never shows offline without the audit row saying why.
      await this.o.db.transaction(async (tx) => {
        await applyPresence(tx, [...last.values()].map((p) => ({ deviceId: p.deviceId, online: p.online, at: p.at, firmware: firmware.get(p.deviceId) })));
        await writeAudit(tx, audits);
      });
    }
  }

  /** Closes the sockets of revoked devices (4003); they cannot reconnect. */
  private closeRevoked(deviceIds: string[]): void {
    for (const id of deviceIds) {
      const c = this.conns.get(id);
      if (!c) continue;
      this.conns.delete(id);
      c.ws.close(CLOSE.revoked, "device revoked");
      this.queuePresence({ deviceId: id, online: false, at: this.o.now(), audit: { action: "device.offline", after: { reason: "revoked" } } });
    }
  }

  // --- liveness -----------------------------------------------------------------------

  private liveness(): void {
    const now = Date.now();
    const seen: PresenceChange[] = [];
    for (const c of this.conns.values()) {
      if (now - c.lastSeen > this.o.timeoutMs) {
        this.conns.delete(c.device.id);
        c.ws.terminate();
        this.queuePresence({ deviceId: c.device.id, online: false, at: new Date(c.lastSeen), audit: { action: "device.offline", after: { reason: "timeout" } } });
        continue;
      }
      c.ws.ping();
      send(c.ws, { type: "ping", at: new Date(now).toISOString() });
      seen.push({ deviceId: c.device.id, online: true, at: new Date(c.lastSeen) });
    }
    // last_seen of live devices, one statement per heartbeat round.
    for (const s of seen) this.presence.push(s);
    if (seen.length > 0) this.scheduleFlush();
    // A revocation NOTIFY lost while the listener reconnected is caught here.
    if (seen.length > 0) {
      void revokedAmong(this.o.db, seen.map((s) => s.deviceId))
        .then((ids) => this.closeRevoked(ids))
        .catch((e) => this.o.log.error("hub revocation check failed", errorFields(e)));
    }
  }
}

/** Acks for one delivery id must apply in order (received, then played): one statement
 * per "layer" so a later state never races an earlier one in the same UPDATE. */
function splitByRepeat<T extends { id: number }>(xs: T[]): T[][] {
  const layers: T[][] = [];
  const depth = new Map<number, number>();
  for (const x of xs) {
    const d = depth.get(x.id) ?? 0;
    depth.set(x.id, d + 1);
    (layers[d] ??= []).push(x);
  }
  return layers;
}

function send(ws: WebSocket, frame: ServerFrame | CommandFrame): boolean {
  if (ws.readyState !== ws.OPEN) return false;
  ws.send(JSON.stringify(frame));
  return true;
}

// Refusing before the WebSocket handshake: a plain HTTP response on the raw socket.
function refuse(socket: Duplex, status: number, reason: string): void {
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${reason.length}\r\n\r\n${reason}`);
  }
  socket.destroy();
}
