// Command delivery for the devices connected to this instance: claim their queued
// commands and push them (live), resend what a device missed when it says hello
// (replay, store and forward), and tell devices that a warning they hold has ended.
import type { Db } from "../db/client.js";
import type { Policy } from "../config/grading.js";
import type { MessageRenderer } from "../dispatch/render.js";
import { errorFields, type Logger } from "../lib/log.js";
import { buildCommands } from "./commands.js";
import type { Conn } from "./connections.js";
import {
  claimDeviceCommands,
  pendingForDevices,
  reachedDevicesOf,
  recordRenderedLanguages,
  type DeviceCommandRow,
} from "./queries.js";

/** Devices per claim statement: small enough to overlap claiming with sending. */
const CLAIM_SLICE = 1_000;

export interface DeliveryOptions {
  db: Db;
  renderer: MessageRenderer | null;
  policy: Policy;
  log: Logger;
  now: () => Date;
  stopping: () => boolean;
  /** Writes acks already read: a replay must not resend what a device has just played. */
  flushAcks: () => Promise<void>;
}

export class CommandDelivery {
  private delivering: Promise<void> | null = null;
  private deliverAgain = false;
  private hellos = new Set<Conn>();
  private replayTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly o: DeliveryOptions,
    private readonly conns: Map<string, Conn>,
  ) {}

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
        await this.claimAndSend(ids);
      } while (this.deliverAgain && !this.o.stopping());
    })()
      .catch((e) => this.o.log.error("hub deliver failed", errorFields(e)))
      .finally(() => {
        this.delivering = null;
      });
    return this.delivering;
  }

  /** Claims in slices of devices and sends each slice while Postgres claims the next, so
   * a city-wide warning's 10,000 commands cost about the longer of the two, not their
   * sum. A device's commands are all in its one slice, so each keeps its issue order. */
  private async claimAndSend(ids: string[]): Promise<void> {
    const claim = (i: number) => {
      const p = claimDeviceCommands(this.o.db, ids.slice(i, i + CLAIM_SLICE), this.o.now());
      p.catch(() => {}); // awaited below; this only keeps a failure from counting as unhandled meanwhile
      return p;
    };
    let next = claim(0);
    for (let i = 0; i < ids.length; i += CLAIM_SLICE) {
      const rows = await next;
      if (i + CLAIM_SLICE < ids.length) next = claim(i + CLAIM_SLICE);
      await this.sendRows(rows);
    }
  }

  /** A device said hello: its replay goes out before live commands reach it again. Live
   * delivery waits until the replay is out: a command issued during the replay is then
   * claimed by the next deliver() and arrives after the older ones, never before. */
  hello(conn: Conn): void {
    this.hellos.add(conn);
    if (this.replayTimer) return;
    // Hellos arriving within 10 ms share one claim and one select: a county's controllers
    // reconnecting together after an outage cost a few statements, not thousands.
    this.replayTimer = setTimeout(() => {
      this.replayTimer = null;
      const batch = [...this.hellos];
      this.hellos.clear();
      void this.replay(batch).catch((e) =>
        this.o.log.error("hub replay failed", { devices: batch.length, ...errorFields(e) }),
      );
    }, 10);
  }

  private async replay(batch: Conn[]): Promise<void> {
    const current = batch.filter((c) => this.conns.get(c.device.id) === c);
    if (current.length === 0) return;
    try {
      await this.o.flushAcks();
      const rows = await pendingForDevices(
        this.o.db,
        current.map((c) => c.device.id),
        this.o.now(),
      );
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
    const { renderer, policy } = this.o;
    const cmds = await buildCommands(this.o.db, rows, { renderer, policy, ...(stop ? { stop } : {}) });
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
    if (!stop) {
      const fellBack = cmds.filter((x) => x.frame.warning.language !== x.row.language);
      const rendered = fellBack.map((x) => ({ id: x.row.id, language: x.frame.warning.language }));
      await recordRenderedLanguages(this.o.db, rendered);
    }
    return n;
  }

  /** Replays that have not started never will (shutting down). */
  cancelReplays(): void {
    if (this.replayTimer) clearTimeout(this.replayTimer);
  }

  /** Resolves once a delivery under way has finished. */
  async idle(): Promise<void> {
    await this.delivering;
  }
}
