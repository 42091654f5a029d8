// What devices were sent and what they answered, written in batches: a burst from
// thousands of devices (a city-wide warning played, a county reconnecting after an outage)
// becomes a few statements. A frame that went out is recorded with its receipt when that
// comes soon (one write per command, not `sent` then `delivered`), after the burst.
import type { Db } from "../db/client.js";
import { writeAudit, type AuditEntry } from "../db/queries/audit.js";
import { applyDeliveryReports, type StatusChange } from "../deliveries/reports.js";
import { errorFields, type Logger } from "../lib/log.js";
import type { Ack, Presence } from "./connections.js";
import { sendFrame, type AckState } from "./protocol.js";
import { applyPresence, markDeviceCommandsSent, ownedDeliveries, type SentCommand } from "./queries.js";
import { writeDeviceSends } from "../deliveries/device-sends.js";

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

/** How long the record of frames that went out waits for their answers: a city's 10,000
 * receipts arrive over ~300 ms (bench:devices). Until then the rows read `queued`; the hub that sent
 * them leaves them out of its reads (unrecordedSince()). */
export const RECORD_HOLD_MS = 500;

/** A command whose frame went out, and to which device; `unwritten`: its warning's id,
 * when its row is not written yet (deliveries/device-sends.ts). */
export type SentFrame = SentCommand & { deviceId: string; unwritten?: string };

/** A frame that went out, not yet recorded; its receipt once the device sent it. */
type Unrecorded = SentFrame & { sentAt: Date; outAt: number; answered?: boolean };

export class DeviceReports {
  private acks: Ack[] = [];
  private presences: Presence[] = [];
  /** By command id, in the order they went out. */
  private outstanding = new Map<number, Unrecorded>();
  /** How many of them have no answer yet (a receipt, a play, a failure). */
  private unreceived = 0;
  /** Taken by the record under way: still `queued` to a read until it commits. */
  private recording = new Set<number>();
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly o: { db: Db; log: Logger; now: () => Date; recordHoldMs?: number }) {}

  /**
   * Frames that just went out to these devices. Recorded once every one has its answer (a
   * receipt, a play, a failure), or RECORD_HOLD_MS after the oldest went out, whichever
   * comes first: with their receipts, as one write each (sent and delivered), and after the
   * burst. The sent and delivered writes of a city's 10,000 commands took ~200 ms of
   * Postgres each, on the cores the frames and their receipts were crossing.
   */
  sent(commands: SentFrame[]): void {
    if (commands.length === 0) return;
    // The stamp from the service's clock; the hold on the machine's, which a test's frozen
    // clock does not stop.
    const sentAt = this.o.now();
    const outAt = performance.now();
    for (const c of commands) this.outstanding.set(c.id, { ...c, sentAt, outAt });
    this.unreceived += commands.length;
    this.scheduleFlush();
  }

  /** Whether this command went out from here and is not recorded yet (it reads `queued`). */
  private unrecorded(id: number): boolean {
    return this.outstanding.has(id) || this.recording.has(id);
  }

  /** For a read starting now: whether a command it finds `queued` went out from here. Its
   * snapshot may predate a record that commits before it returns, so what was unrecorded
   * when it started counts too, not only what is unrecorded when it has returned. */
  unrecordedSince(): (id: number) => boolean {
    if (this.outstanding.size === 0 && this.recording.size === 0) return (id) => this.unrecorded(id);
    const then = new Set([...this.outstanding.keys(), ...this.recording]);
    return (id) => then.has(id) || this.unrecorded(id);
  }

  ack(a: Ack): void {
    const out = this.outstanding.get(a.id);
    // A frame not recorded yet, answered by its own device (it was sent to that device):
    // its record need wait no longer. A receipt is written with it; `played` or `shown`
    // says it arrived too, and is applied after it (acknowledged), as is a failure.
    if (out && out.deviceId === a.conn.device.id && !out.answered) {
      out.answered = true;
      this.unreceived--;
      if (a.state !== "failed") out.deliveredAt = a.at;
      if (a.state === "received") {
        this.scheduleFlush();
        return;
      }
    }
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
      if (this.holding()) this.scheduleFlush();
      else void this.flush();
    }, 20);
  }

  /** Frames out are still waiting for answers, within the hold. */
  private holding(): boolean {
    const oldest = this.outstanding.values().next().value;
    return (
      oldest !== undefined &&
      this.unreceived > 0 &&
      performance.now() - oldest.outAt < (this.o.recordHoldMs ?? RECORD_HOLD_MS)
    );
  }

  /** Writes everything in hand now: the frames out (with their receipts), acks, presence. */
  flush(): Promise<void> {
    this.flushing = this.flushing
      .then(() => this.flushNow())
      .catch((e) => this.o.log.error("hub flush failed", errorFields(e)));
    return this.flushing;
  }

  private async flushNow(): Promise<void> {
    // Taken together, synchronously: an ack in hand is for a frame recorded by now or by
    // the record below, which runs first.
    const out = [...this.outstanding.values()];
    this.outstanding.clear();
    this.unreceived = 0;
    for (const c of out) this.recording.add(c.id);
    const acks = this.acks.splice(0);
    const presence = this.presences.splice(0);
    // If it fails the rows stay queued (or unwritten, until their hold runs out and they
    // are written queued), and the next round sends them again, same ids.
    try {
      if (out.length > 0) await this.record(out);
    } finally {
      for (const c of out) this.recording.delete(c.id);
    }
    if (acks.length > 0) await this.applyAcks(acks);
    if (presence.length > 0) await this.applyPresence(presence);
  }

  /** Frames out, each row written once: inserted with what happened when its plan left it
   * to this hub, else moved from `queued`. One whose row an overdue write got to first is
   * moved like any queued row. */
  private async record(out: Unrecorded[]): Promise<void> {
    const at = this.o.now();
    const fresh = out.filter((c) => c.unwritten);
    const writtenBefore = await writeDeviceSends(
      this.o.db,
      fresh.map((c) => ({
        id: c.id,
        warningId: c.unwritten!,
        sent: { language: c.language, sentAt: c.sentAt, deliveredAt: c.deliveredAt },
      })),
    );
    const already = new Set(writtenBefore);
    await markDeviceCommandsSent(
      this.o.db,
      out.filter((c) => !c.unwritten || already.has(c.id)),
      at,
    );
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
