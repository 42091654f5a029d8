// The channel contract (DESIGN §6). A channel sends rendered text to one target and says
// what happened; it never formats text (templates do) and never retries (the dispatcher
// owns retries, using `retryable`).
import type { z } from "zod";
import type { ChannelKind, Language, Level } from "../src/domain/vocabulary.js";

export interface OutboundMessage {
  deliveryId: number;
  warningId: string;
  msgType: "Alert" | "Update" | "Cancel";
  level: Level;
  /** The warning's end: providers must not deliver after it (SMS ValidityPeriod). */
  expires: Date;
  language: Language;
  text: string;
  subject?: string | undefined;
  html?: string | undefined;
}

export interface Target {
  recipientId: number | null;
  deviceId: string | null;
  /** Phone (E.164) or email; null for devices. */
  address: string | null;
  villageCode: string;
}

export type Receipt = {
  /** The provider's id for this message (Twilio SID, Message-ID, command id). */
  providerId: string;
  /** `sent` when handed over; `delivered` when the provider confirms at once. */
  status: "sent" | "delivered";
};

export class ChannelError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly retryable: boolean,
    /** A provider's hint (HTTP Retry-After, a device that is offline until it says hello). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "ChannelError";
  }
}

/** A provider status report (webhook, device ack) mapped onto our delivery states. */
export interface StatusReport {
  providerId: string;
  status: "sent" | "delivered" | "failed" | "acknowledged";
  errorCode?: string | undefined;
  error?: string | undefined;
  at: Date;
}

export interface Pace {
  /** Sustained messages per second (token bucket rate). */
  ratePerSecond: number;
  /** Sends in flight at once. */
  concurrency: number;
}

export interface Channel {
  readonly kind: ChannelKind;
  readonly configSchema?: z.ZodType;
  readonly pace: Pace;
  /** `signal` aborts when the dispatcher's deadline passes: stop if the transport can. */
  send(message: OutboundMessage, target: Target, opts?: { signal?: AbortSignal }): Promise<Receipt>;
  parseStatus?(body: Record<string, string>): StatusReport | null;
  health?(): Promise<{ ok: boolean; detail?: string }>;
  close?(): Promise<void>;
}

/** A missing adapter is a compile error. */
export type ChannelRegistry = Record<ChannelKind, Channel>;
