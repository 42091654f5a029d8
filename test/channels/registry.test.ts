import { describe, expect, it } from "vitest";
import { parseEnv } from "../../src/config/env.js";
import { setupChannels } from "../../src/node/channels.js";
import { CHANNELS } from "../../src/domain/vocabulary.js";
import { silentLogger } from "../../src/lib/log.js";
import type { DeviceHub } from "../../src/hub/hub.js";
import { useContext } from "../helpers/context.js";

const ctx = useContext();
const hub = { connected: () => 3 } as unknown as DeviceHub;

describe("the channel registry", () => {
  it("builds every channel of the vocabulary; people's and platforms' go to the dispatcher; each reports its health", async () => {
    const env = parseEnv({ WARNCAST_DATA_DIR: "/nonexistent" });
    const s = setupChannels({ env, services: ctx().services, log: silentLogger, hub });
    try {
      expect(Object.keys(s.registry).sort()).toEqual([...CHANNELS].sort());
      expect(s.senders.map((c) => c.kind)).toEqual(["sms", "email", "eb"]);
      expect(s.mailer).toBeDefined();
      expect(await s.health()).toEqual({
        sms: { ok: true, detail: expect.stringContaining("simulated") },
        loudspeaker: { ok: true, detail: "3 connected to this instance" },
        display: { ok: true, detail: "3 connected to this instance" },
        email: { ok: true, detail: expect.stringContaining("local outbox") },
      });
      ctx().services.channelHealth = s.health;
      const r = await ctx().request("GET", "/health", { key: null });
      expect(r.status).toBe(200);
      expect(await r.json()).toMatchObject({
        status: "ok",
        database: "ok",
        channels: { sms: { ok: true }, email: { ok: true } },
      });
    } finally {
      delete ctx().services.channelHealth;
      await s.close();
    }
  });

  it("SMS sends in flight follow the pace unless SMS_CONCURRENCY says otherwise", async () => {
    const pace = async (vars: Record<string, string>) => {
      const env = parseEnv({ WARNCAST_DATA_DIR: "/nonexistent", ...vars });
      const s = setupChannels({ env, services: ctx().services, log: silentLogger, hub });
      try {
        return s.registry.sms.pace;
      } finally {
        await s.close();
      }
    };
    expect(await pace({})).toEqual({ ratePerSecond: 100, concurrency: 32 });
    expect(await pace({ SMS_RATE_PER_SECOND: "5000" })).toEqual({ ratePerSecond: 5000, concurrency: 250 });
    expect(await pace({ SMS_RATE_PER_SECOND: "50000" })).toEqual({ ratePerSecond: 50000, concurrency: 256 });
    expect(await pace({ SMS_RATE_PER_SECOND: "5000", SMS_CONCURRENCY: "40" })).toEqual({
      ratePerSecond: 5000,
      concurrency: 40,
    });
  });

  it("refuses to start with every problem of every channel listed", () => {
    const env = { ...parseEnv({}), SMS_RATE_PER_SECOND: -1, SMTP_POOL_SIZE: 0, SMS_SIMULATOR_FAILURE_RATE: 2 };
    expect(() => setupChannels({ env, services: ctx().services, log: silentLogger, hub })).toThrow(
      new RegExp(
        [
          "invalid channel configuration:",
          "  sms.pace.ratePerSecond: .*",
          "  sms.simulator.failureRate: .*",
          "  email.poolSize: ",
        ].join("\n"),
      ),
    );
  });
});
