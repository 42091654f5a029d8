// Node-only: the channel adapters this process sends through, chosen from the
// environment (real providers when configured, local sinks otherwise), and the renderer
// that gives them their text. Each adapter lives in channels/<kind>/.
import type { Channel } from "../../channels/contract.js";
import type { Env } from "../config/env.js";
import type { Logger } from "../lib/log.js";
import type { MessageRenderer } from "../dispatch/render.js";

export interface ChannelSetup {
  channels: Channel[];
  renderer: MessageRenderer | null;
  /** One line per channel for the start banner (e.g. "SMS: simulated"). */
  banner: string[];
  close(): Promise<void>;
}

export async function setupChannels(_env: Env, _log: Logger): Promise<ChannelSetup> {
  return { channels: [], renderer: null, banner: [], close: async () => {} };
}
