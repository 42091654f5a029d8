// A heartbeat round over thousands of devices comes in slices, so the HTTP thread it runs
// on answers between them (src/hub/connections.ts liveness).
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { WebSocket } from "ws";
import { useContext } from "../helpers/context.js";
import { Connections, type Conn, type Presence } from "../../src/hub/connections.js";
import { silentLogger } from "../../src/lib/log.js";

const ctx = useContext();

describe("the hub's heartbeat round", () => {
  it("pings every live device and drops the silent ones, yielding to other work between slices", async () => {
    const c = ctx();
    const timeoutMs = 60_000;
    const events: string[] = [];
    const presence: Presence[] = [];
    const connections = new Connections(
      {
        db: c.tdb.db,
        log: silentLogger,
        now: () => new Date(),
        heartbeatMs: 20_000,
        timeoutMs,
        maxMalformed: 5,
        stopping: () => false,
      },
      { hello: () => {}, ack: () => {}, presence: (p) => presence.push(p) },
    );
    const now = Date.now();
    const terminated: string[] = [];
    for (let i = 0; i < 450; i++) {
      const id = randomUUID();
      // A socket that records what the round does to it.
      const ws = {
        OPEN: 1,
        readyState: 1,
        ping: () => events.push("ping"),
        send: () => {},
        terminate: () => terminated.push(id),
      } as unknown as WebSocket;
      const silent = i % 45 === 0;
      const conn = { ws, device: { id }, ready: true, lastSeen: silent ? now - timeoutMs - 1 : now, malformed: 0 };
      connections.conns.set(id, conn as unknown as Conn);
    }
    // Queued before the round starts: runs at the round's first yield.
    setImmediate(() => events.push("other work"));
    await connections.liveness();
    const other = events.indexOf("other work");
    expect(events.filter((e) => e === "ping")).toHaveLength(440);
    expect(other).toBeGreaterThan(0);
    expect(other).toBeLessThan(events.length - 1);
    expect(terminated).toHaveLength(10);
    expect(connections.conns.size).toBe(440);
    expect(presence.filter((p) => !p.online)).toHaveLength(10);
    expect(presence.filter((p) => p.online)).toHaveLength(440);
  });
});
