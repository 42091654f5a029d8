// Command delivery for the devices connected to this instance: claim their queued
// commands and push them (live), resend what a device missed when it says hello
// (replay, store and forward), and tell devices that a warning they hold has ended.
import type { Db } from "../db/client.js";
import type { Policy } from "../config/grading.js";
import type { MessageRenderer } from "../dispatch/render.js";
import { errorFields, type Logger } from "../lib/log.js";
import { buildCommands } from "./commands.js";
import { batchWarnings } from "../deliveries/claims.js";
import type { Warning } from "../db/queries/warnings.js";
import { laneOf } from "../domain/areas.js";
import { writeUnsentCommands } from "../deliveries/device-sends.js";
import type { Conn } from "./connections.js";
import type { SentFrame } from "./reports.js";
import {
  pendingForDevices,
  queuedDeviceCommands,
  reachedDevicesOf,
  recordRenderedLanguages,
  type DeviceCommandRow,
} from "./queries.js";

/** Every lane: a catch-up round, a replay's follow-up, a notice that named none. */
const ALL = "all" as const;

export interface DeliveryOptions {
  db: Db;
  renderer: MessageRenderer | null;
  policy: Policy;
  log: Logger;
  now: () => Date;
  stopping: () => boolean;
  /** Writes the frames out and the acks in hand: a replay must not resend what a device has
   * just played, and a stop must reach a device whose command just went out. */
  flushAcks: () => Promise<void>;
  /** Frames that went out live, to be recorded (DeviceReports.sent). */
  recordSent: (sent: SentFrame[]) => void;
  /** For a read starting now: whether a command it finds `queued` went out from here and
   * is not recorded (DeviceReports.unrecordedSince). */
  unrecordedSince: () => (id: number) => boolean;
}

export class CommandDelivery {
  private delivering: Promise<void> | null = null;
  /** Lanes asked for since the current round read its devices (null: none). */
  private wanted: Set<string> | typeof ALL | null = null;
  /** The warnings those requests named (ALL: some request named none). */
  private wantedWarnings: Set<string> | typeof ALL | null = null;
  private hellos = new Set<Conn>();
  private replayTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly o: DeliveryOptions,
    private readonly conns: Map<string, Conn>,
  ) {}

  /** Sends every queued command for devices connected here, or only for those in `lanes`
   * (the counties a notice named) and of `warningId` (the warning it named); concurrent
   * calls coalesce, their lanes and warnings merged. */
  deliver(lanes: readonly string[] | null = null, warningId?: string): Promise<void> {
    this.wanted = lanes === null || this.wanted === ALL ? ALL : new Set([...(this.wanted ?? []), ...lanes]);
    this.wantedWarnings =
      warningId === undefined || this.wantedWarnings === ALL
        ? ALL
        : new Set([...(this.wantedWarnings ?? []), warningId]);
    return this.delivering ?? this.rounds(null);
  }

  /**
   * Commands an issue in this process has just committed (Services.onDeviceCommands),
   * sent from what its plan answered: a city's 10,000 frames start without waiting for a
   * notice and a read. Usually reserved, their rows not written (`unwritten`,
   * deliveries/device-sends.ts): this hub writes them, `queued` at once for the devices it
   * did not send to, the rest once recorded. Written ones (a plan that wrote rows) have
   * their notice too; its round runs after this one and leaves out what went out here and
   * is not recorded yet (DeviceReports.unrecordedSince). Taken only when no round is
   * running or asked for: one that read after the commit may hold written rows and would
   * send them again; then the reserved ones are written `queued` and the rounds send all.
   */
  sendCommitted(rows: DeviceCommandRow[], warning: Warning): void {
    if (this.delivering || this.wanted || this.o.stopping()) {
      // Reserved commands have no rows yet for that round to read: written `queued` now,
      // their notice brings them to whichever hub holds each device.
      void this.writeUnsent(rows, warning.id);
      return;
    }
    void this.rounds(async () => {
      let sent: SentFrame[] = [];
      try {
        // The round is taken now (a notice arriving meanwhile waits for it); its work starts
        // after this turn, so the issuing request's response is written before ~100 ms of
        // sending holds the thread.
        await new Promise((r) => setImmediate(r));
        // Ready: not in a replay, which would otherwise put this ahead of older commands.
        const here = rows.filter((r) => this.conns.get(r.deviceId)?.ready);
        sent = await this.sendRows(here, undefined, Promise.resolve(new Map([[warning.id, warning]])));
        this.o.recordSent(sent);
      } finally {
        // The reserved commands that did not go out from here: their devices are offline,
        // on another instance or in a replay.
        const out = new Set(sent.map((x) => x.id));
        await this.writeUnsent(
          rows.filter((r) => !out.has(r.id)),
          warning.id,
        );
      }
    });
  }

  /** Writes `queued` the rows of reserved commands (`unwritten`) among `rows` that were not
   * sent from here (deliveries/device-sends.ts). On failure their reservation's hold runs
   * out and anyone writes them then. */
  private async writeUnsent(rows: DeviceCommandRow[], warningId: string): Promise<void> {
    await writeUnsentCommands(this.o.db, rows).catch((e) =>
      this.o.log.error("hub write of unsent commands failed", { warningId, ...errorFields(e) }),
    );
  }

  /** One delivery at a time: `first` (sendCommitted's), then a round for whatever deliver()
   * asked for meanwhile, until nothing is wanted. */
  private rounds(first: (() => Promise<void>) | null): Promise<void> {
    this.delivering = (async () => {
      try {
        if (first)
          await first().catch((e) => this.o.log.error("hub send of committed commands failed", errorFields(e)));
        while (this.wanted && !this.o.stopping()) {
          const want = this.wanted;
          const warnings = this.wantedWarnings!;
          this.wanted = null;
          this.wantedWarnings = null;
          const ids = [...this.conns.values()]
            .filter((c) => c.ready && (want === ALL || want.has(laneOf(c.device.villageCode))))
            .map((c) => c.device.id);
          await this.sendQueued(ids, want === ALL ? null : [...want], warnings === ALL ? null : [...warnings]);
        }
      } catch (e) {
        this.o.log.error("hub deliver failed", errorFields(e));
      } finally {
        // Cleared in the same turn as the loop's last look at `wanted`: a request that
        // finds a round running is always seen by it (cleared in a later .finally(), a
        // request in between waited for the next catch-up round).
        this.delivering = null;
      }
    })();
    return this.delivering;
  }

  /** Reads the queued commands, sends them, then has them recorded sent: a city-wide
   * warning's 10,000 frames leave as soon as one read returns, not after 10,000 rows are
   * written (the write held the first frame about a second behind a raw broadcast). The
   * hub is the only sender to the devices it holds, and a device ignores a command id it
   * has already had (a replay resends unacknowledged ones anyway), so reading without a
   * claim sends nothing twice that a claim would have saved. Frames out but not recorded
   * yet read `queued`: they are left out here (unrecordedSince). */
  private async sendQueued(ids: string[], lanes: string[] | null, warningIds: string[] | null): Promise<void> {
    if (ids.length === 0) return;
    // A notice names its warnings: they are read alongside their commands, not after.
    const warnings = warningIds ? batchWarnings(this.o.db, warningIds) : undefined;
    warnings?.catch(() => {}); // awaited in sendRows; a failed read must not go unhandled
    const out = this.o.unrecordedSince();
    const rows = warningIds
      ? await this.ofWarnings(ids, lanes, warningIds)
      : await queuedDeviceCommands(this.o.db, { devices: ids }, this.o.now(), lanes);
    this.o.recordSent(
      await this.sendRows(
        rows.filter((r) => !out(r.id)),
        undefined,
        warnings,
      ),
    );
  }

  /** The named warnings' queued commands for the devices `ids` (ready here). */
  private async ofWarnings(ids: string[], lanes: string[] | null, warningIds: string[]): Promise<DeviceCommandRow[]> {
    const here = new Set(ids);
    const rows = await queuedDeviceCommands(this.o.db, { warnings: warningIds }, this.o.now(), lanes);
    return rows.filter((r) => here.has(r.deviceId));
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
      const language = new Map(rows.map((r) => [r.id, r.language]));
      const sent = await this.sendRows(rows);
      // The claim recorded the device's language; where the renderer fell back (no `mn`
      // template), record the one it got.
      await recordRenderedLanguages(
        this.o.db,
        sent.filter((x) => x.language !== language.get(x.id)),
      );
    } finally {
      // A device whose replay failed still gets live commands; its next hello retries.
      for (const c of current) if (this.conns.get(c.device.id) === c && !this.hellos.has(c)) c.ready = true;
    }
    await this.deliver();
  }

  /** `stop` to connected devices that had a warning which has now ended (expiry job). */
  async stopEnded(warningId: string): Promise<number> {
    // A command whose frame just went out is recorded first, and gets its stop too.
    await this.o.flushAcks();
    const rows = await reachedDevicesOf(this.o.db, warningId, [...this.conns.keys()]);
    return (await this.sendRows(rows, "ended")).length;
  }

  /** Sends each row's frame to its device if it is still connected here; returns the
   * rows sent with the language each was rendered in. */
  private async sendRows(
    rows: DeviceCommandRow[],
    stop?: "ended",
    warnings?: Promise<Map<string, Warning>>,
  ): Promise<SentFrame[]> {
    if (rows.length === 0) return [];
    const { renderer, policy } = this.o;
    const cmds = await buildCommands(this.o.db, rows, {
      renderer,
      policy,
      ...(stop ? { stop } : {}),
      ...(warnings ? { warnings } : {}),
    });
    const sent: SentFrame[] = [];
    for (const { row, language, frame } of cmds) {
      // A device that dropped since the read gets the command on its next hello (queued,
      // or claimed and unacknowledged: the replay includes both).
      const c = this.conns.get(row.deviceId);
      if (c && c.ws.readyState === c.ws.OPEN) {
        c.ws.send(frame, { binary: false });
        sent.push({
          id: row.id,
          language,
          deviceId: row.deviceId,
          ...(row.unwritten ? { unwritten: row.warningId } : {}),
        });
      }
    }
    return sent;
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
