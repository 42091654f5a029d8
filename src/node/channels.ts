// Node-only: the channels this process delivers through, built from the registry
// (channels/registry.ts) with each channel's settings checked first. Person channels go
// to the dispatcher; device channels deliver through the hub they are bound to.
import type { BuiltChannel, Channel, ChannelContext, ChannelHealth, ChannelRegistry } from "../../channels/contract.js";
import { channelModules } from "../../channels/registry.js";
import { CHANNELS, DEVICE_CHANNELS, type ChannelKind } from "../domain/vocabulary.js";
import type { Mailer } from "../lib/mailer.js";

export interface ChannelSetup {
  registry: ChannelRegistry;
  /** The dispatcher's channels (people's, county platforms'); devices are the hub's. */
  senders: Channel[];
  /** Digests and other non-warning mail, over the email channel's transport. */
  mailer: Mailer | undefined;
  /** One line per channel for the start banner (e.g. "SMS: simulated"). */
  banner: string[];
  /** Every channel's health for GET /health, probed at most every HEALTH_TTL_MS. */
  health(): Promise<Partial<Record<ChannelKind, ChannelHealth>>>;
  close(): Promise<void>;
}

const HEALTH_TTL_MS = 30_000;
const HEALTH_TIMEOUT_MS = 5_000;

/** Builds every channel, or throws one error listing every channel's every problem. */
export function setupChannels(ctx: ChannelContext): ChannelSetup {
  const configured = CHANNELS.map((k) => channelModules[k].configure(ctx));
  const problems = configured.flatMap((c) => ("problems" in c ? c.problems : []));
  if (problems.length > 0) {
    throw new Error(`invalid channel configuration:\n${problems.map((p) => `  ${p}`).join("\n")}`);
  }
  const built: BuiltChannel<ChannelKind>[] = [];
  for (const c of configured) if ("build" in c) built.push(c.build());
  const registry = Object.fromEntries(built.map((b) => [b.channel.kind, b.channel])) as ChannelRegistry;

  let probed: { at: number; result: ReturnType<ChannelSetup["health"]> } | null = null;
  return {
    registry,
    // Everything that is not a device hub's goes through the dispatcher (people, platforms).
    senders: CHANNELS.filter((k) => !(DEVICE_CHANNELS as readonly string[]).includes(k)).map(
      (k) => registry[k] as Channel,
    ),
    mailer: built.find((b) => b.mailer)?.mailer,
    banner: built.flatMap((b) => (b.banner ? [b.banner] : [])),
    health() {
      if (!probed || Date.now() - probed.at > HEALTH_TTL_MS) probed = { at: Date.now(), result: probeAll(registry) };
      return probed.result;
    },
    async close() {
      for (const b of built) await b.close?.();
    },
  };
}

async function probeAll(registry: ChannelRegistry): Promise<Partial<Record<ChannelKind, ChannelHealth>>> {
  const probes = CHANNELS.map(async (k): Promise<[ChannelKind, ChannelHealth] | null> => {
    const ch: { health?(): Promise<ChannelHealth> } = registry[k];
    if (!ch.health) return null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<ChannelHealth>((r) => {
      timer = setTimeout(() => r({ ok: false, detail: `no answer within ${HEALTH_TIMEOUT_MS} ms` }), HEALTH_TIMEOUT_MS);
    });
    const answer = ch.health().catch(
      (e: unknown): ChannelHealth => ({
        ok: false,
        detail: e instanceof Error ? e.message : String(e),
      }),
    );
    try {
      return [k, await Promise.race([answer, late])];
    } finally {
      clearTimeout(timer);
    }
  });
  return Object.fromEntries((await Promise.all(probes)).filter((p) => p !== null));
}
