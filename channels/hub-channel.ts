// Loudspeakers and displays: devices hold a WebSocket to the hub (src/hub), which claims
// and pushes their commands. What differs per kind (the command, play or show, and the
// state that counts as reached) is declared in the vocabulary (CHANNEL_TARGETS), so a
// device channel's module only binds its kind to the hub.
import { z } from "zod";
import type { DeviceChannelKind } from "../src/domain/vocabulary.js";
import { defineChannel, type DeviceChannel } from "./contract.js";

export const hubChannel = <K extends DeviceChannelKind>(kind: K) =>
  defineChannel({
    kind,
    configSchema: z.object({}),
    settings: () => ({}),
    create: (_config, { hub }) => {
      const channel: DeviceChannel = {
        kind,
        // Zero is not a fault here: the devices may hold sockets to another instance.
        health: async () => ({ ok: true, detail: `${hub.connected(kind)} connected to this instance` }),
      };
      return { channel };
    },
  });
