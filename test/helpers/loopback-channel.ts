// Loopback channels for engine tests: they succeed, fail (retryable or permanent) or
// stall on command, and count every send per delivery so double-sends are visible.
import {
  ChannelError,
  type Channel,
  type OutboundMessage,
  type Receipt,
  type Target,
} from "../../channels/contract.js";
import type { ChannelKind } from "../../src/domain/vocabulary.js";
import type { MessageRenderer } from "../../src/dispatch/render.js";

export type Behaviour = "sent" | "delivered" | "retryable" | "permanent" | "stall" | "late-sent" | "late-permanent";

export class LoopbackChannel implements Channel {
  readonly sends = new Map<number, number>();
  readonly messages: { message: OutboundMessage; target: Target }[] = [];
  /** Per-address behaviour; `next` applies once to the next sends, in order. */
  behaviourFor = new Map<string, Behaviour>();
  next: Behaviour[] = [];
  defaultBehaviour: Behaviour = "sent";
  delayMs = 0;
  /** A `late-*` send ignores the deadline and answers when this is released. */
  private releaseLate!: () => void;
  private late = new Promise<void>((r) => (this.releaseLate = r));
  /** Sends in flight now, and the most ever in flight for one delivery at once. */
  readonly inFlight = new Map<number, number>();
  maxInFlightPerDelivery = 0;
  /** Deadlines that passed while a send was in flight (the dispatcher aborted it). */
  aborted = 0;
  private n = 0;

  constructor(
    readonly kind: ChannelKind,
    readonly pace = { ratePerSecond: Infinity, concurrency: 32 },
  ) {}

  retryAfterMs: number | undefined;

  releaseLateSends(): void {
    this.releaseLate();
  }

  async send(message: OutboundMessage, target: Target, opts?: { signal?: AbortSignal }): Promise<Receipt> {
    const id = message.deliveryId;
    this.sends.set(id, (this.sends.get(id) ?? 0) + 1);
    this.inFlight.set(id, (this.inFlight.get(id) ?? 0) + 1);
    this.maxInFlightPerDelivery = Math.max(this.maxInFlightPerDelivery, this.inFlight.get(id)!);
    this.messages.push({ message, target });
    opts?.signal?.addEventListener("abort", () => this.aborted++, { once: true });
    try {
      const b =
        this.next.shift() ?? this.behaviourFor.get(target.address ?? target.deviceId ?? "") ?? this.defaultBehaviour;
      if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
      switch (b) {
        case "retryable":
          throw new ChannelError("provider busy", "429", true, this.retryAfterMs);
        case "permanent":
          throw new ChannelError("invalid number", "21211", false);
        case "stall":
          // A transport that can be cancelled: it stops when the deadline aborts it.
          return await new Promise<Receipt>((_, reject) => {
            opts?.signal?.addEventListener("abort", () => reject(opts.signal!.reason), { once: true });
          });
        case "late-sent":
          await this.late;
          return { providerId: `${this.kind}-${id}-${++this.n}`, status: "sent" };
        case "late-permanent":
          await this.late;
          throw new ChannelError("mailbox unavailable", "smtp_550", false);
        default:
          return { providerId: `${this.kind}-${id}-${++this.n}`, status: b };
      }
    } finally {
      this.inFlight.set(id, this.inFlight.get(id)! - 1);
    }
  }

  get totalSends() {
    return [...this.sends.values()].reduce((a, b) => a + b, 0);
  }
}

export const plainRenderer: MessageRenderer = {
  render: (w, _channel, language) => ({ text: `${w.headline}：${w.description}`, language }),
};
