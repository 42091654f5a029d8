// A thread tells the main thread what it has for it (the dispatch thread's devices step
// hands its commands to the main thread's hub this way: src/node/dispatch-thread.ts).
import { describe, expect, it } from "vitest";
import { startThread } from "../../src/node/threads.js";
import { silentLogger } from "../../src/lib/log.js";

describe("threads", () => {
  it("carry a thread's message to the main thread's onMessage, beside its start and stop", async () => {
    let told!: (body: unknown) => void;
    const message = new Promise<unknown>((r) => {
      told = r;
    });
    const running = await startThread<string>(
      "tell",
      new URL("../fixtures/threads/tell-thread.ts", import.meta.url),
      { echo: "大喇叭" },
      { log: silentLogger, onExit: () => {}, onMessage: told },
    );
    try {
      expect(running.report).toBe("up");
      expect(await message).toEqual({ type: "device-commands", echo: "大喇叭" });
    } finally {
      await running.stop();
    }
  });
});
