// The channel contract (DESIGN §6). A channel sends rendered text to one target and says
// what happened; it never formats text (templates do) and never retries (the dispatcher
// owns retries, using `retryable`). Each channels/<kind>/index.ts defines its module
// (settings, schema, builder); channels/registry.ts lists them, one line per kind.
import type { z } from "zod";
import type { ChannelKind, DeviceChannelKind, Language, Level } from "../src/domain/vocabulary.js";
import type { Env } from "../src/config/env.js";
import type { DeviceHub } from "../src/hub/hub.js";
import type { Logger } from "../src/lib/log.js";
import type { Mailer } from "../src/lib/mailer.js";
import type { Services } from "../src/services.js";

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

export interface ChannelHealth {
  ok: boolean;
  detail?: string | undefined;
}

/** Sends through a provider. The dispatcher claims, paces and retries its deliveries. */
export interface Channel {
  readonly kind: ChannelKind;
  readonly pace: Pace;
  /** `signal` aborts when the dispatcher's deadline passes: stop if the transport can. */
  send(message: OutboundMessage, target: Target, opts?: { signal?: AbortSignal }): Promise<Receipt>;
  /** Shown by GET /health (cached there: a probe may cost a provider request). */
  health?(): Promise<ChannelHealth>;
  close?(): Promise<void>;
}

/** Loudspeakers and displays deliver through the device hub, not the dispatcher: only the
 * instance holding a device's socket can send to it, so the hub claims and pushes. */
export interface DeviceChannel {
  readonly kind: DeviceChannelKind;
  health(): Promise<ChannelHealth>;
}

/** A status callback's parameters → a report, or null when there is nothing to apply.
 * Runtime-free: webhooks run in the Hono app (Node or Workers), which holds no channels. */
export type StatusParser = (params: Record<string, string>, at: Date) => StatusReport | null;

/** Every channel, built: a missing adapter is a compile error. */
export type ChannelRegistry = { [K in ChannelKind]: K extends DeviceChannelKind ? DeviceChannel : Channel };

/** What a channel's module needs to build it in the Node process. */
export interface ChannelContext {
  env: Env;
  services: Services;
  log: Logger;
  hub: DeviceHub;
}

export interface BuiltChannel<K extends ChannelKind> {
  channel: ChannelRegistry[K];
  /** One line for the start banner (e.g. "SMS: SIMULATED …"). */
  banner?: string;
  /** Report mail (the daily digest) over this channel's transport (email). */
  mailer?: Mailer;
  close?(): Promise<void>;
}

/** How a channel folder describes itself: its settings, read from the environment, and
 * how to build it from them once they have passed `configSchema`. */
export interface ChannelDefinition<K extends ChannelKind, C> {
  readonly kind: K;
  readonly configSchema: z.ZodType<C>;
  settings(ctx: ChannelContext): unknown;
  create(config: C, ctx: ChannelContext): BuiltChannel<K>;
}

/** A channel folder's entry point, as the registry holds it. */
export interface ChannelModule<K extends ChannelKind> {
  readonly kind: K;
  /** Checks the settings: every problem (`<kind>.<path>: <message>`), or a builder. */
  configure(ctx: ChannelContext): { problems: string[] } | { build: () => BuiltChannel<K> };
}

export function defineChannel<K extends ChannelKind, C>(d: ChannelDefinition<K, C>): ChannelModule<K> {
  return {
    kind: d.kind,
    configure(ctx) {
      const r = d.configSchema.safeParse(d.settings(ctx));
      if (!r.success) return { problems: r.error.issues.map((i) => `${[d.kind, ...i.path].join(".")}: ${i.message}`) };
      return { build: () => d.create(r.data, ctx) };
    },
  };
}
