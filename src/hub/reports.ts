// Acks and presence, written in batches: a burst from thousands of devices (a city-wide
// warning played, a county reconnecting after an outage) becomes a few statements.
import type { Db } from "../db/client.js";
import { writeAudit, type AuditEntry } from "../db/queries/audit.js";
import { applyDeliveryReports, type StatusChange } from "../deliveries/reports.js";
import { errorFields, type Logger } from "../lib/log.js";
import type { Ack, Presence } from "./connections.js";
import { sendFrame, type AckState } from "./protocol.js";
import { applyPresence, ownedDeliveries } from "./queries.js";

const ACK_STATUS: Record<AckState, StatusChange["status"]> = {
  received: "delivered",
  played: "acknowledged",
  shown: "acknowledged",
  failed: "failed",
};
// A stop (a Cancel's command) is received, never played: acking it must not count as
// playing a warning, whatever state the device reports.
const STOP_ACK_STATUS: Record<AckState, StatusChange["status"]> = {
  received: "delivered",
  played: "delivered",
  shown: "delivered",
  failed: "failed",
};

export class DeviceReports {
  private acks: Ack[] = [];
  private presences: Presence[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private flushing: Promise<void> = Promise.resolve();

  /** `acksMayApply`: resolves once frames already sent are recorded as sent (see
   * CommandDelivery.sendQueued), so an ack never meets its row still queued. */
  constructor(private readonly o: { db: Db; log: Logger; acksMayApply: () => Promise<void> }) {}

  ack(a: Ack): void {
    this.acks.push(a);
    this.scheduleFlush();
  }

  presence(p: Presence): void {
    this.presences.push(p);
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
    this.flushing = this.flushing
      .then(() => this.flushNow())
      .catch((e) => this.o.log.error("hub flush failed", errorFields(e)));
    return this.flushing;
  }

  private async flushNow(): Promise<void> {
    // Taken synchronously after the wait: every ack in hand is for a frame whose record
    // has committed (a frame's record starts before its ack can arrive).
    await this.o.acksMayApply();
    const acks = this.acks.splice(0);
    const presence = this.presences.splice(0);
    if (acks.length > 0) await this.applyAcks(acks);
    if (presence.length > 0) await this.applyPresence(presence);
  }

  private async applyAcks(acks: Ack[]): Promise<void> {
    // A stop sent when a warning ended carries the negative of its play command's id: its
    // own id, which no delivery has, so its ack can never count as playing anything.
    const delivery = (a: Ack) => Math.abs(a.id);
    const owned = await ownedDeliveries(
      this.o.db,
      acks.map((a) => ({ id: delivery(a), deviceId: a.conn.device.id })),
    );
    for (const a of acks) {
      if (owned.has(delivery(a))) continue;
      const message = `no command ${a.id} for this device`;
      sendFrame(a.conn.ws, { type: "error", code: "unknown_command", message, id: a.id });
    }
    // Oldest first, so received is applied before played when both are in one batch.
    const reports = acks.filter((a) => a.id > 0 && owned.has(a.id)).sort((x, y) => x.at.getTime() - y.at.getTime());
    // Both acks of one delivery in a batch apply in that order (applyDeliveryReports layers them).
    await applyDeliveryReports(
      this.o.db,
      reports.map((a) => ({
        deliveryId: a.id,
        status: (owned.get(a.id)!.stop ? STOP_ACK_STATUS : ACK_STATUS)[a.state],
        at: a.at,
        ...(a.state === "failed" ? { errorCode: "device_failed", error: a.detail ?? "device reported failure" } : {}),
      })),
    );
  }

  private async applyPresence(presence: Presence[]): Promise<void> {
    // Last change per device wins; audit rows record each online/offline transition.
    const last = new Map(presence.map((p) => [p.deviceId, p]));
    // The latest firmware a device reported in this batch (a later change may not carry one).
    const firmware = new Map(presence.filter((p) => p.firmware).map((p) => [p.deviceId, p.firmware]));
    const audits: AuditEntry[] = presence
      .filter((p) => p.audit)
      .map((p) => ({
        actor: p.deviceId,
        actorKind: "device",
        subjectType: "device",
        subjectId: p.deviceId,
        ...p.audit!,
      }));
    const changes = [...last.values()].map((p) => ({
      deviceId: p.deviceId,
      online: p.online,
      at: p.at,
      firmware: firmware.get(p.deviceId),
    }));
    // One transaction: a device never shows offline without the audit row saying why.
    await this.o.db.transaction(async (tx) => {
      await applyPresence(tx, changes);
      await writeAudit(tx, audits);
    });
  }
}
