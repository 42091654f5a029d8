// Twilio's status callbacks arrive at the sending rate during a city-wide fan-out: the real
// server applies them through a pool of their own (`warncast-receipts`), neither the staff
// requests' pool nor the engine's. A signed callback to the running server must move its
// delivery, and the statement must have come from that pool.
import { afterAll, describe, expect, it, vi } from "vitest";
import { sql } from "drizzle-orm";
import twilio from "twilio";
import { useContext } from "../helpers/context.js";
import { createIssued } from "../helpers/factories.js";
import { addPerson, deliveriesOf } from "../helpers/people.js";
import { sendAll } from "../helpers/dispatch.js";
import { startServer, type RunningServer } from "./server.js";

const ctx = useContext();
const TOKEN = "e2e_auth_token_" + "r".repeat(16);
/** What Twilio was told (PUBLIC_URL): the signature covers it, not the loopback address. */
const PUBLIC = "https://warncast.example.gov.cn";
const V = "150402002001";
let server: RunningServer | null = null;

afterAll(async () => {
  await server?.stop();
}, 60_000);

describe("provider receipts on the running server", () => {
  it("a signed status callback is applied through the receipts pool", async () => {
    const db = ctx().tdb.db;
    await addPerson(db, { area: V, phone: "+8613800000011" });
    const w = await createIssued(ctx(), { areas: { codes: [V] }, channels: ["sms"], audiences: ["public"] });
    // The public's row is written by its county's walk as it is claimed.
    await sendAll(ctx(), ["sms"]);
    const [row] = await deliveriesOf(db, w.id);
    expect(row?.channel).toBe("sms");
    // As the sender records it: sent, with the provider's message id. No dispatcher runs in
    // the server, so nothing else touches the row.
    await db.execute(
      sql`update deliveries set status = 'sent', sent_at = now(), provider_id = 'SMe2ereceipts01' where id = ${row!.id}`,
    );

    server = await startServer(
      { WARNCAST_SEED_DEMO: "false", WARNCAST_DISPATCH: "false", TWILIO_AUTH_TOKEN: TOKEN, PUBLIC_URL: PUBLIC },
      { tdb: ctx().tdb },
    );
    // Behind PUBLIC_URL without a listener address, webhooks share the API's port, and the
    // banner says how to give them one.
    expect(server.output()).toMatch(/webhooks: on this port \(a listener of their own behind PUBLIC_URL needs/);
    const path = `/webhooks/twilio/status?lane=${V.slice(0, 6)}`;
    const params = { MessageSid: "SMe2ereceipts01", MessageStatus: "delivered" };
    const res = await fetch(server.url + path, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-twilio-signature": twilio.getExpectedTwilioSignature(TOKEN, PUBLIC + path, params),
      },
      body: new URLSearchParams(params).toString(),
      signal: AbortSignal.timeout(15_000),
    });
    expect(res.status).toBe(204);
    const [after] = await deliveriesOf(db, w.id);
    expect(after?.status).toBe("delivered");

    // The pool's session stays open after its statement (postgres.js keeps idle
    // connections): it is there to find, and the other pools did not write the receipt.
    const sessions = await vi.waitUntil(
      async () => {
        const rows = await ctx().tdb.sql<{ app: string; query: string }[]>`
          select application_name as app, query from pg_stat_activity
          where application_name like 'warncast%' and query like '%jsonb_to_recordset%provider_id%'`;
        return rows.length > 0 ? rows : null;
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(new Set(sessions.map((s) => s.app))).toEqual(new Set(["warncast-receipts"]));
  }, 60_000);
});
