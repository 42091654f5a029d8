// The SMS channel of the embedded default: accepts every message, then reports it
// `delivered` (or, at the configured rate, `failed` as a handset out of reach would)
// after a short delay, through the same status path as Twilio's callbacks.
import type { Channel, OutboundMessage, Pace, Receipt, StatusReport, Target } from "../contract.js";
import { ChannelError } from "../contract.js";

export interface SimulatorOptions {
  pace: Pace;
  deliverAfterMs: number;
  /** 0–1: share of messages that end `failed` (Twilio 30003, unreachable handset). */
  failureRate: number;
  onReport: (r: StatusReport) => void;
  random?: () => number;
  now?: () => Date;
}

export class SimulatedSmsChannel implements Channel {
  readonly kind = "sms" as const;
  readonly pace: Pace;
  private seq = 0;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly prefix = `SM${Date.now().toString(16)}${Math.random().toString(16).slice(2, 6)}`;

  constructor(private readonly o: SimulatorOptions) {
    this.pace = o.pace;
  }

  async send(_m: OutboundMessage, t: Target): Promise<Receipt> {
    if (!t.address) throw new ChannelError("recipient has no phone number", "no_address", false);
    const providerId = `${this.prefix}${(++this.seq).toString(16).padStart(8, "0")}`;
    const fail = (this.o.random ?? Math.random)() < this.o.failureRate;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const at = (this.o.now ?? (() => new Date()))();
      this.o.onReport(
        fail
          ? {
              providerId,
              status: "failed",
              errorCode: "twilio_30003",
              error: "simulated: unreachable destination handset",
              at,
            }
          : { providerId, status: "delivered", at },
      );
    }, this.o.deliverAfterMs);
    this.timers.add(timer);
    return { providerId, status: "sent" };
  }

  async health() {
    return { ok: true, detail: "simulated: no messages leave this machine" };
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
