// Child process of bench/devices: thousands of minimal device clients, so the sockets'
// client side does not share an event loop with the hub being measured. Driven over IPC.
import WebSocket from "ws";

type Msg = { cmd: "connect"; url: string; tokens: string[]; burst: number } | { cmd: "report" } | { cmd: "close" };

const sockets: WebSocket[] = [];
/** Wall-clock ms at which each device got each warning's `command` frame, by warning id. */
const received = new Map<string, number[]>();
/** Wall-clock ms at which each device got each raw baseline frame, by its `seq`. */
const raw = new Map<number, number[]>();

function open(url: string, token: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false });
    ws.on("message", (data) => {
      const f = JSON.parse(data.toString()) as { type: string; id?: number; seq?: number; warning?: { id: string } };
      if (f.type === "welcome") ws.send(JSON.stringify({ type: "hello", firmware: "bench" }));
      else if (f.type === "command") {
        const at = received.get(f.warning!.id) ?? [];
        at.push(Date.now());
        received.set(f.warning!.id, at);
        ws.send(JSON.stringify({ type: "ack", id: f.id, state: "received", at: new Date().toISOString() }));
      } else if (f.type === "bench") {
        const at = raw.get(f.seq!) ?? [];
        at.push(Date.now());
        raw.set(f.seq!, at);
        ws.send(JSON.stringify({ type: "heartbeat", at: `bench-${f.seq}` }));
      }
    });
    ws.once("open", () => {
      sockets.push(ws);
      resolve();
    });
    ws.once("error", reject);
  });
}

process.on("message", async (m: Msg) => {
  if (m.cmd === "connect") {
    const t = performance.now();
    // Bounded bursts: a few hundred handshakes in flight at a time, as a county's
    // controllers reconnecting after an outage would be spread by their backoff.
    for (let i = 0; i < m.tokens.length; i += m.burst) {
      await Promise.all(m.tokens.slice(i, i + m.burst).map((tok) => open(m.url, tok)));
    }
    process.send!({ connected: sockets.length, ms: Math.round(performance.now() - t) });
  } else if (m.cmd === "report") {
    process.send!({ received: [...received], raw: [...raw] });
  } else {
    for (const ws of sockets) ws.terminate();
    process.exit(0);
  }
});
