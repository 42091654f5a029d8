// The device hub (Node only): loudspeakers and displays hold a WebSocket here, and the
// hub is how the device channels deliver. On NOTIFY (and a short catch-up poll, so a
// missed notification loses nothing) it claims queued device deliveries for the devices
// connected to THIS instance, sends command frames and records acks. Devices are never
// run through the DispatchRunner: only the instance holding the socket can send to a
// device. Sockets: connections.ts; commands out: delivery.ts; acks and presence in:
// reports.ts.
import type { Server } from "node:http";
import type { Sql } from "postgres";
import type { Db } from "../db/client.js";
import type { Policy } from "../config/grading.js";
import type { MessageRenderer } from "../dispatch/render.js";
import type { DeviceKind } from "../domain/vocabulary.js";
import type { DeviceCommandRow } from "../deliveries/device-commands.js";
import type { Warning } from "../db/queries/warnings.js";
import { errorFields, type Logger } from "../lib/log.js";
import { writeOverdueDeviceSends } from "../deliveries/device-sends.js";
import { Connections, type Conn } from "./connections.js";
import { CommandDelivery } from "./delivery.js";
import { DeviceReports } from "./reports.js";
import { DELIVERIES_CHANNEL, DEVICE_REVOKED_CHANNEL, parseDeliveriesPayload, WARNING_ENDED_CHANNEL } from "./notify.js";

export { DEVICE_PATH } from "./connections.js";

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
  /** How long frames out wait for their answers before they are recorded (RECORD_HOLD_MS;
   * tests that record by hand make it long). */
  recordHoldMs?: number;
}

export class DeviceHub {
  private readonly o: Required<Omit<HubOptions, "renderer" | "recordHoldMs">> & {
    renderer: MessageRenderer | null;
    recordHoldMs?: number;
  };
  private readonly connections: Connections;
  private readonly delivery: CommandDelivery;
  private readonly reports: DeviceReports;
  private timers: ReturnType<typeof setInterval>[] = [];
  private unlisten: (() => Promise<void>)[] = [];
  private servers: Server[] = [];
  private stopped = false;

  constructor(opts: HubOptions) {
    this.o = {
      now: () => new Date(),
      heartbeatMs: 20_000,
      timeoutMs: 60_000,
      catchUpMs: 2_000,
      maxMalformed: 5,
      ...opts,
    };
    const stopping = () => this.stopped;
    this.reports = new DeviceReports(this.o);
    this.connections = new Connections(
      { ...this.o, stopping },
      {
        hello: (conn) => this.delivery.hello(conn),
        ack: (a) => this.reports.ack(a),
        presence: (p) => this.reports.presence(p),
      },
    );
    this.delivery = new CommandDelivery(
      {
        ...this.o,
        stopping,
        flushAcks: () => this.reports.flush(),
        recordSent: (sent) => this.reports.sent(sent),
        unrecordedSince: () => this.reports.unrecordedSince(),
      },
      this.connections.conns,
    );
  }

  /** Connected devices by id (this instance only). */
  get conns(): ReadonlyMap<string, Conn> {
    return this.connections.conns;
  }

  /** How many devices of a kind hold a socket here (the device channels' health). */
  connected(kind: DeviceKind): number {
    let n = 0;
    for (const c of this.connections.conns.values()) if (c.device.kind === kind) n++;
    return n;
  }

  attach(server: Server): void {
    server.on("upgrade", this.connections.onUpgrade);
    this.servers.push(server);
  }

  async start(): Promise<void> {
    const logged = (what: string) => (e: unknown) => this.o.log.error(`hub ${what} failed`, errorFields(e));
    // A county of people planned after the issue has nothing for devices: no read; else
    // only the devices in the lanes the notice names.
    const a = await this.o.sql.listen(DELIVERIES_CHANNEL, (payload) => {
      const n = parseDeliveriesPayload(payload);
      if (!n.peopleOnly) void this.deliver(n.lanes, n.warningId || undefined);
    });
    const b = await this.o.sql.listen(WARNING_ENDED_CHANNEL, (id) => {
      void this.stopEnded(id).catch(logged("stop-ended"));
    });
    const c = await this.o.sql.listen(DEVICE_REVOKED_CHANNEL, (id) => this.connections.closeRevoked([id]));
    this.unlisten.push(a.unlisten, b.unlisten, c.unlisten);
    this.timers.push(setInterval(() => void this.catchUp(), this.o.catchUpMs));
    const round = Math.min(this.o.heartbeatMs, this.o.timeoutMs / 2);
    this.timers.push(setInterval(() => void this.connections.liveness(), round));
  }

  /** Sends every queued command for devices connected here (in `lanes`, and of
   * `warningId`, if given); concurrent calls coalesce. */
  deliver(lanes: readonly string[] | null = null, warningId?: string): Promise<void> {
    return this.delivery.deliver(lanes, warningId);
  }

  /** The catch-up round: commands whose hub never wrote their rows (it died: their hold has
   * run out) are written `queued` first, then every queued command for devices here goes. */
  private async catchUp(): Promise<void> {
    await writeOverdueDeviceSends(this.o.db, this.o.log).catch((e) =>
      this.o.log.error("hub write of overdue commands failed", errorFields(e)),
    );
    await this.deliver();
  }

  /** The device commands an issue in this process has just committed: sent now, before
   * their notice (CommandDelivery.sendCommitted). */
  sendCommitted(commands: DeviceCommandRow[], warning: Warning): void {
    this.delivery.sendCommitted(commands, warning);
  }

  /** `stop` to connected devices that had a warning which has now ended (expiry job). */
  stopEnded(warningId: string): Promise<number> {
    return this.delivery.stopEnded(warningId);
  }

  /** Writes the frames sent, acks and presence changes collected so far. */
  flush(): Promise<void> {
    return this.reports.flush();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.delivery.cancelReplays();
    for (const u of this.unlisten) await u().catch(() => {});
    for (const s of this.servers) s.off("upgrade", this.connections.onUpgrade);
    this.connections.goingAway();
    await this.delivery.idle();
    await this.reports.flush();
    await this.connections.close();
  }
}
