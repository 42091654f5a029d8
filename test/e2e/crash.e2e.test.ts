// kill -9 mid fan-out (DESIGN §5): a second instance on the same database finishes the
// warning. Nothing is lost, and a message is sent twice only if its send was under way and
// unrecorded when the first instance died: provider ids are recorded as they come back and
// leases are short, so that set is small and comes back within seconds.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { mkdirSync, writeFileSync } from "node:fs";
import { sql } from "drizzle-orm";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { TwilioGateway } from "../helpers/twilio-gateway.js";
import { insertUser } from "../../src/db/queries/users.js";
import { sha256Hex } from "../../src/lib/crypto.js";
import { startServer, type RunningServer } from "./server.js";

const SID = `AC${"c".repeat(32)}`;
const TOKEN = "crash-test-token";
const VILLAGE = "150402002003";
const PEOPLE = 400;

let tdb: TestDatabase;
let gateway: TwilioGateway;
let servers: RunningServer[] = [];

beforeAll(async () => {
  tdb = await createTestDatabase();
  gateway = new TwilioGateway(SID, TOKEN);
  await gateway.start();
  await tdb.db.execute(sql`
    insert into recipients (name, phone, area_code, village_code, audiences, dedupe_key)
    select 'crash' || i, '+8613700' || lpad(i::text, 5, '0'), ${VILLAGE}, ${VILLAGE}, array['public'], 'crash:' || i
    from generate_series(1, ${PEOPLE}) i`);
}, 60_000);

afterAll(async () => {
  for (const s of servers) await s.crash();
  await gateway?.stop();
  await tdb?.drop();
}, 60_000);

describe("a crash mid fan-out", () => {
  it("loses nothing; only sends under way at the kill are repeated; the second instance finishes", async () => {
    const env = {
      WARNCAST_SEED_DEMO: "false",
      ...gateway.serverEnv("+8610690000"),
      SMS_RATE_PER_SECOND: "100",
    };
    const key = async (role: "issuer" | "approver") => {
      const k = `wck_crash_${role}_${Math.random().toString(36).slice(2)}`;
      await insertUser(tdb.db, { name: role, role, areaScope: "150400000000", keyHash: await sha256Hex(k) });
      return k;
    };
    const [issuer, approver] = [await key("issuer"), await key("approver")];
    const first = await startServer(env, { tdb });
    servers.push(first);
    const call = async (url: string, path: string, k: string, body?: unknown) => {
      const res = await fetch(url + path, {
        method: "POST",
        headers: { authorization: `Bearer ${k}`, ...(body ? { "content-type": "application/json" } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      expect(res.status, await res.clone().text()).toBeLessThan(300);
      return (await res.json()) as { id: string };
    };
    const expires = new Date(Date.now() + 3 * 3600_000).toISOString();
    const w = await call(first.url, "/api/v1/warnings", issuer, {
      type: "rainstorm",
      level: "orange",
      description: "预计未来3小时将出现50毫米以上降雨。",
      areas: { codes: [VILLAGE] },
      channels: ["sms"],
      audiences: ["public"],
      expires,
    });
    await call(first.url, `/api/v1/warnings/${w.id}/submit`, issuer);
    await call(first.url, `/api/v1/warnings/${w.id}/approve`, approver);
    // Mid fan-out, past the first burst: half sent at the paced rate.
    await vi.waitUntil(() => gateway.messages.length >= PEOPLE / 2, { timeout: 60_000, interval: 20 });
    await first.crash();
    const killedAt = Date.now();
    const [left] = await tdb.db.execute<{ sending: number; unsent: number }>(sql`
      select count(*) filter (where status = 'sending')::int as sending,
             count(*) filter (where status in ('queued', 'sending'))::int as unsent
      from deliveries where warning_id = ${w.id}`);
    const sentBefore = gateway.messages.length;

    const second = await startServer(env, { tdb });
    servers.push(second);
    await vi.waitUntil(
      async () => {
        const [r] = await tdb.db.execute<{ n: number }>(sql`
        select count(*)::int as n from deliveries where warning_id = ${w.id} and status in ('queued', 'sending')`);
        return r!.n === 0;
      },
      { timeout: 90_000, interval: 100 },
    );
    const recoverySeconds = (Date.now() - killedAt) / 1000;

    const mine = gateway.messages.filter((m) => m.to.startsWith("+8613700"));
    const perNumber = new Map<string, number>();
    for (const m of mine) perNumber.set(m.to, (perNumber.get(m.to) ?? 0) + 1);
    const lost = PEOPLE - perNumber.size;
    const duplicates = mine.length - perNumber.size;
    const [states] = await tdb.db.execute<{ sent: number; failed: number }>(sql`
      select count(*) filter (where status = 'sent')::int as sent, count(*) filter (where status = 'failed')::int as failed
      from deliveries where warning_id = ${w.id}`);
    mkdirSync("test-artifacts", { recursive: true });
    writeFileSync(
      "test-artifacts/crash.json",
      JSON.stringify(
        {
          people: PEOPLE,
          sentBeforeKill: sentBefore,
          sendingAtKill: left!.sending,
          unsentAtKill: left!.unsent,
          lost,
          duplicates,
          recoverySeconds,
        },
        null,
        2,
      ),
    );
    expect(lost).toBe(0);
    expect(states).toEqual({ sent: PEOPLE, failed: 0 });
    // Only a send under way and unrecorded at the kill can go out twice.
    expect(duplicates).toBeLessThanOrEqual(left!.sending);
  }, 180_000);
});
