// Loopback channels for engine tests: they succeed, fail (retryable or permanent) or
// stall on command, and count every send per delivery so double-sends are visible.
import { ChannelError, type Channel, type OutboundMessage, type Receipt, type Target } from "../../channels/contract.js";
import type { ChannelKind } from "../../src/domain/vocabulary.js";
import type { MessageRenderer } from "../../src/dispatch/render.js";

export type Behaviour = "sent" | "delivered" | "retryable" | "permanent" | "stall";

export class LoopbackChannel implements Channel {
  readonly sends = new Map<number, number>();
  readonly messages: { message: OutboundMessage; target: Target }[] = [];
  /** Per-address behaviour; `next` applies once to the next sends, in order. */
  behaviourFor = new Map<string, Behaviour>();
  next: Behaviour[] = [];
  defaultBehaviour: Behaviour = "sent";
  delayMs = 0;
  private n = 0;

  constructor(readonly kind: ChannelKind, readonly pace = { ratePerSecond: Infinity, concurrency: 32 }) {}

  async send(message: OutboundMessage, target: Target): Promise<Receipt> {
    this.sends.set(message.deliveryId, (this.sends.get(message.deliveryId) ?? 0) + 1);
    this.messages.push({ message, target });
    const b = this.next.shift() ?? this.behaviourFor.get(target.address ?? target.deviceId ?? "") ?? this.defaultBehaviour;
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    switch (b) {
      case "retryable": throw new ChannelError("provider busy", "429", true);
      case "permanent": throw new ChannelError("invalid number", "21211", false);
      case "stall": return new Promise<Receipt>(() => {});
      default: return { providerId: `${this.kind}-${message.deliveryId}-${++this.n}`, status: b };
    }
  }

  get totalSends() {
    return [...this.sends.values()].reduce((a, b) => a + b, 0);
  }
}

export const plainRenderer: MessageRenderer = {
  render: (w, _channel, language) => ({ text: `${w.headline}：${w.description}`, language }),
};
