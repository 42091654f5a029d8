// Simulated loudspeakers and displays for the demo (embedded default): most villages get a
// controller that speaks the real WebSocket protocol to this server over loopback, so a
// newcomer sees coverage rise as villages play. Some stay offline, a few fail, and playing
// takes seconds, as text-to-speech on a village amplifier does. WARNCAST_DEMO_DEVICES=false
// switches them off.
import { sql } from "drizzle-orm";
import WebSocket from "ws";
import type { Db } from "../db/client.js";
import { randomToken, sha256Hex } from "../lib/crypto.js";
import type { Logger } from "../lib/log.js";

const MARK = "（模拟）";

/** By position in village-code order: no device (1 village in 50), offline (1 device in
 * 70), failing (1 in 120); every 7th village also has a display. Deterministic, so each
 * start of the same database behaves the same way; about 95% of villages play, so a
 * city-wide red warning can pass its 93% target. */
export const demoFate = (n: number) => (n % 70 === 7 ? "offline" : n % 120 === 13 ? "failing" : "working");

export async function seedDemoDevices(db: Db, scope = "1504"): Promise<number> {
  const [r] = await db.execute<{ n: number }>(sql`
    with v as (
      select code, name, row_number() over (order by code) as vn from areas
      where kind = 'village' and code like ${scope + "%"}
    ),
    ins as (
      insert into devices (kind, name, area_code, village_code, token_hash)
      select k.kind::device_kind, v.name || case k.kind when 'loudspeaker' then '应急广播' else '显示屏' end || ${MARK},
             v.code, v.code, 'demo-unset:' || v.code || ':' || k.kind
      from v cross join (values ('loudspeaker'), ('display')) as k(kind)
      where v.vn % 50 <> 0 and (k.kind = 'loudspeaker' or v.vn % 7 = 0)
        and not exists (select 1 from devices d where d.name like ${"%" + MARK})
      returning 1
    )
    select count(*)::int as n from ins`);
  return r!.n;
}

export interface DemoDevices {
  connected: number;
  offline: number;
  failing: number;
  stop(): Promise<void>;
}

export async function startDemoDevices(o: {
  db: Db;
  wsUrl: string;
  log: Logger;
  playMs?: [number, number];
}): Promise<DemoDevices> {
  const rows = await o.db.execute<{ id: string; kind: string }>(sql`
    select id, kind from devices where name like ${"%" + MARK} and revoked_at is null order by village_code, kind`);
  // Tokens are stored hashed, so each start issues fresh ones to its own simulators.
  const tokens = rows.map(() => randomToken("wcd_", 32));
  const hashes = await Promise.all(tokens.map((t) => sha256Hex(t)));
  await o.db.execute(sql`
    update devices d set token_hash = x.h
    from unnest(${sql.param(rows.map((r) => r.id))}::uuid[], ${sql.param(hashes)}::text[]) as x(id, h)
    where d.id = x.id`);
  const [lo, hi] = o.playMs ?? [2000, 15000];
  const sockets: WebSocket[] = [];
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let stopping = false;
  const later = (ms: number, f: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      f();
    }, ms);
    timers.add(t);
  };
  let offline = 0,
    failing = 0;
  const connect = (token: string, kind: string, fate: string) =>
    new Promise<void>((resolve) => {
      const ws = new WebSocket(`${o.wsUrl}?token=${encodeURIComponent(token)}`);
      sockets.push(ws);
      const send = (f: object) => {
        if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(f));
      };
      const ack = (id: number, state: string, detail?: string) =>
        send({ type: "ack", id, state, at: new Date().toISOString(), ...(detail ? { detail } : {}) });
      ws.on("message", (raw) => {
        const f = JSON.parse(String(raw)) as { type: string; id: number; action: string; heartbeatSeconds?: number };
        if (f.type === "welcome") {
          send({
            type: "hello",
            firmware: "warncast-demo 1.0",
            capabilities: [kind === "loudspeaker" ? "tts" : "text"],
          });
          const beat = setInterval(
            () => send({ type: "heartbeat", at: new Date().toISOString() }),
            (f.heartbeatSeconds ?? 20) * 1000,
          );
          ws.once("close", () => clearInterval(beat));
        } else if (f.type === "ping") {
          send({ type: "heartbeat", at: new Date().toISOString() });
        } else if (f.type === "command") {
          const done = kind === "display" ? "shown" : "played";
          if (f.action === "stop") {
            ack(f.id, "received");
            ack(f.id, done);
            return;
          }
          // A failing amplifier takes the command, then cannot play it: received, then failed
          // (the delivery fails and the village's 叫应 chain starts, as a real fault would).
          ack(f.id, "received");
          if (fate === "failing") {
            later(500 + Math.random() * 1500, () => ack(f.id, "failed", "功放无输出（模拟故障）"));
            return;
          }
          later(lo + Math.random() * (hi - lo), () => ack(f.id, done));
        }
      });
      ws.once("open", () => resolve());
      ws.once("error", (e) => {
        if (!stopping) o.log.warn("demo device socket error", { error: String(e) });
        resolve();
      });
    });
  const pending: Promise<void>[] = [];
  for (const [i, r] of rows.entries()) {
    const fate = demoFate(i);
    if (fate === "offline") {
      offline++;
      continue;
    }
    if (fate === "failing") failing++;
    pending.push(connect(tokens[i]!, r.kind, fate));
    // Bounded bursts: thousands of handshakes at once starve the server's event loop.
    if (pending.length >= 200) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  return {
    connected: rows.length - offline,
    offline,
    failing,
    async stop() {
      stopping = true;
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.terminate();
    },
  };
}
